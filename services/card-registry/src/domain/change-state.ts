/**
 * The settlement-card change as a state machine. Every step moves along an edge of TRANSITIONS and is
 * written to the change's audit trail; `active` and `failed` are final.
 *
 *   requested -> identity_verified -> sms_confirmed -> agreement_signed -> active
 *                                                                      \-> under_review -> active | failed
 *   any non-final state -> failed (with a reason the merchant can act on)
 */
import { assert } from '@acq/assert';

export const CHANGE_STATES = [
  'requested',
  'identity_verified',
  'sms_confirmed',
  'agreement_signed',
  'under_review',
  'active',
  'failed',
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

export const CHANGE_KINDS = ['bind', 'change'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export const VERIFICATION_METHODS = ['micro_deposit', 'zero_amount'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

const TRANSITIONS: Readonly<Record<ChangeState, readonly ChangeState[]>> = {
  requested: ['identity_verified', 'failed'],
  identity_verified: ['sms_confirmed', 'failed'],
  sms_confirmed: ['agreement_signed', 'failed'],
  agreement_signed: ['active', 'under_review', 'failed'],
  under_review: ['active', 'failed'],
  active: [],
  failed: [],
};

export function canMove(from: ChangeState, to: ChangeState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertMove(from: ChangeState, to: ChangeState): void {
  assert(canMove(from, to), `a change moves ${from} -> ${to} only along the state machine`);
}

export function isFinal(state: ChangeState): boolean {
  return TRANSITIONS[state].length === 0;
}

export function isChangeState(text: string): text is ChangeState {
  return (CHANGE_STATES as readonly string[]).includes(text);
}

export function isVerificationMethod(text: string): text is VerificationMethod {
  return (VERIFICATION_METHODS as readonly string[]).includes(text);
}

/** Reasons a change fails, each one a thing the merchant (or an operator) can act on. */
export const FAILURE = {
  identityMismatch: 'IDENTITY_MISMATCH',
  identityCardNotFound: 'IDENTITY_CARD_NOT_FOUND',
  identityLocked: 'IDENTITY_LOCKED',
  smsCodeExpired: 'SMS_CODE_EXPIRED',
  smsAttemptsExceeded: 'SMS_ATTEMPTS_EXCEEDED',
  verificationAttemptsExceeded: 'VERIFICATION_ATTEMPTS_EXCEEDED',
  microDepositFailed: 'MICRO_DEPOSIT_FAILED',
  zeroAmountCheckFailed: 'ZERO_AMOUNT_CHECK_FAILED',
  changeExpired: 'CHANGE_EXPIRED',
  rejectedByOperator: 'REJECTED_BY_OPERATOR',
  superseded: 'SUPERSEDED',
  providerUnavailable: 'PROVIDER_UNAVAILABLE',
  smsUndelivered: 'SMS_UNDELIVERED',
  idNumberInvalid: 'ID_NUMBER_INVALID',
} as const;
export type FailureCode = (typeof FAILURE)[keyof typeof FAILURE];
