/**
 * Terminal rules: statuses, the 8-character field-41 terminal id, batch numbers, key modes, and who may
 * sign in (一机一户: only an activated terminal bound to an active merchant, presenting that merchant's
 * number, PBOC 银发〔2021〕259号).
 */
import { assert } from '@acq/assert';
import { type Refusal, REFUSAL_CLASS, refusal } from './errors.ts';

export const TERMINAL_STATUSES = ['registered', 'activated', 'frozen', 'retired'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export const MERCHANT_STATUSES = ['active', 'frozen', 'closed'] as const;
export type MerchantStatus = (typeof MERCHANT_STATUSES)[number];

export const KEY_MODES = ['001', '003', '004'] as const;
export type KeyMode = (typeof KEY_MODES)[number];

export const FIRST_BATCH_NUMBER = '000001';
const TERMINAL_ID_PATTERN = /^[0-9]{8}$/;
const BATCH_NUMBER_PATTERN = /^[0-9]{6}$/;
const SERIAL_NUMBER_PATTERN = /^[A-Za-z0-9-]{6,32}$/;
const MODEL_PATTERN = /^[\p{L}\p{N} ._-]{1,40}$/u;

export function terminalIdFromSequence(sequence: bigint): string {
  assert(sequence >= 1n && sequence <= 99_999_999n, 'terminal sequence fits 8 digits');
  const terminalId = sequence.toString().padStart(8, '0');
  assert(TERMINAL_ID_PATTERN.test(terminalId), 'terminal id is 8 digits');
  return terminalId;
}

export function isWellFormedTerminalId(text: string): boolean {
  return TERMINAL_ID_PATTERN.test(text);
}

export function isWellFormedSerialNumber(text: string): boolean {
  return SERIAL_NUMBER_PATTERN.test(text);
}

export function isWellFormedModel(text: string): boolean {
  return MODEL_PATTERN.test(text);
}

export function isValidBatchNumber(text: string): boolean {
  return BATCH_NUMBER_PATTERN.test(text) && text !== '000000';
}

export function isKeyMode(text: string): text is KeyMode {
  return (KEY_MODES as readonly string[]).includes(text);
}

export function isTerminalStatus(text: string): text is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(text);
}

export function isMerchantStatus(text: string): text is MerchantStatus {
  return (MERCHANT_STATUSES as readonly string[]).includes(text);
}

export const RESPONSE_CODE = {
  invalidMerchant: '03',
  notPermittedOnTerminal: '58',
  terminalNotRegistered: '97',
} as const;

export interface SignInSubject {
  readonly terminalStatus: TerminalStatus;
  readonly merchantStatus: MerchantStatus;
  readonly merchantNumber: string;
  readonly hasTerminalMasterKey: boolean;
}

/** Why a terminal may not sign in or transact, or undefined when it may. */
export function terminalUseRefusal(subject: SignInSubject, merchantNumberFromTerminal: string): Refusal | undefined {
  const precondition = REFUSAL_CLASS.failedPrecondition;
  if (subject.terminalStatus === 'registered' || !subject.hasTerminalMasterKey) {
    return refusal(
      'TERMINAL_NOT_ACTIVATED',
      precondition,
      'terminal is not activated',
      RESPONSE_CODE.terminalNotRegistered,
    );
  }
  if (subject.terminalStatus === 'frozen' || subject.terminalStatus === 'retired') {
    return refusal(
      'TERMINAL_NOT_USABLE',
      precondition,
      `terminal is ${subject.terminalStatus}`,
      RESPONSE_CODE.notPermittedOnTerminal,
    );
  }
  if (subject.merchantStatus !== 'active') {
    return refusal(
      'MERCHANT_NOT_ACTIVE',
      precondition,
      `merchant is ${subject.merchantStatus}`,
      RESPONSE_CODE.invalidMerchant,
    );
  }
  if (merchantNumberFromTerminal !== '' && merchantNumberFromTerminal !== subject.merchantNumber) {
    return refusal(
      'MERCHANT_NUMBER_MISMATCH',
      precondition,
      'terminal presented a merchant number other than its bound merchant',
      RESPONSE_CODE.invalidMerchant,
    );
  }
  return undefined;
}

/** Operator status changes a terminal accepts: activated <-> frozen, anything but registered -> retired. */
export function terminalStatusChangeAllowed(from: TerminalStatus, to: TerminalStatus): boolean {
  if (from === 'retired') return false;
  if (to === 'frozen') return from === 'activated';
  if (to === 'activated') return from === 'frozen';
  if (to === 'retired') return true;
  return false;
}

/** Merchant status changes: active <-> frozen, either -> closed; closed is final. */
export function merchantStatusChangeAllowed(from: MerchantStatus, to: MerchantStatus): boolean {
  if (from === 'closed' || from === to) return false;
  return true;
}
