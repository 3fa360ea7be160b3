/**
 * Issuer rules: which response code a request earns and what an approval does to the card. Pure:
 * functions take the card, the request and any original approval and either return a decision or
 * apply an approved decision to those objects; the flow looks objects up and stores the result.
 */
import { assert, unreachable } from '@acq/assert';
import type { Fen } from '@acq/money';
import { LIMITS } from '../limits.ts';
import { availableFen, type Card, type CardKind, isPastExpiry } from './card.ts';
import { RESPONSE_CODES, type ResponseCode } from './response-codes.ts';

export const ISSUER_OPERATIONS = [
  'purchase',
  'balanceInquiry',
  'preAuth',
  'preAuthVoid',
  'completion',
  'completionVoid',
  'void',
  'refund',
] as const;
export type IssuerOperation = (typeof ISSUER_OPERATIONS)[number];

/** Operations that refer to an earlier approval (void, completion, refund ...). */
const ORIGINAL_OPERATIONS: Partial<Record<IssuerOperation, readonly IssuerOperation[]>> = {
  preAuthVoid: ['preAuth'],
  completion: ['preAuth'],
  completionVoid: ['completion'],
  void: ['purchase'],
  refund: ['purchase', 'completion'],
};

/** Operations that take money or credit from the cardholder and so check status, expiry and funds. */
const CARDHOLDER_DEBIT_OPERATIONS: ReadonlySet<IssuerOperation> = new Set([
  'purchase',
  'balanceInquiry',
  'preAuth',
  'completion',
]);

/**
 * A 0200 void (200000) names its original by field 90; which void it is follows from the original:
 * voiding a pre-auth is a pre-auth void, voiding a completion a completion void.
 */
export function refineVoidOperation(
  operation: IssuerOperation,
  original: NetworkApproval | undefined,
): IssuerOperation {
  if (operation !== 'void' || original === undefined) return operation;
  if (original.operation === 'preAuth') return 'preAuthVoid';
  if (original.operation === 'completion') return 'completionVoid';
  return operation;
}

export function requiresOriginal(operation: IssuerOperation): boolean {
  return ORIGINAL_OPERATIONS[operation] !== undefined;
}

/** The keys the platform gives a transaction, echoed in responses and written to the clearing file. */
export interface TransactionKeys {
  readonly stan: string;
  readonly transmissionDateTime: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly rrn: string;
  readonly acquirerId: string;
}

export type ApprovalState = 'approved' | 'reversed';

export interface NetworkApproval {
  readonly id: string;
  readonly operation: IssuerOperation;
  readonly mti: string;
  readonly processingCode: string;
  readonly keys: TransactionKeys;
  readonly authCode: string;
  readonly amountFen: Fen;
  readonly pan: string;
  readonly cardKind: CardKind;
  readonly clearingDate: string;
  readonly approvedAtMs: number;
  readonly originalId: string | undefined;
  state: ApprovalState;
  /** Set on a purchase, pre-auth or completion that a later void cancelled. */
  voided: boolean;
  refundedFen: Fen;
  /** Pre-auth: the part of the hold still reserved. */
  holdRemainingFen: Fen;
  /** Pre-auth void or completion: the hold it released (restored if it is reversed or voided). */
  releasedHoldFen: Fen;
}

/** Outcome of the PIN check the transport did with the HSM under the zone key. */
export type PinCheck = 'absent' | 'correct' | 'wrong';

export interface IssuerRequest {
  readonly operation: IssuerOperation;
  readonly amountFen: Fen;
  /** Expiry the message carried (field 14 or track 2), YYMM; undefined when absent. */
  readonly expiry: string | undefined;
  readonly pinCheck: PinCheck;
}

/**
 * Status, expiry and PIN checks. Mutates only the wrong-PIN counter, because a wrong PIN counts
 * against the card whatever the rest of the request. Returns the decline code or undefined.
 */
export function checkCardholder(
  card: Card,
  request: IssuerRequest,
  currentYearMonth: string,
): ResponseCode | undefined {
  if (!CARDHOLDER_DEBIT_OPERATIONS.has(request.operation)) return undefined;
  if (card.status === 'lost') return RESPONSE_CODES.lostCard;
  if (card.status === 'stolen') return RESPONSE_CODES.stolenCard;
  if (card.status === 'frozen') return RESPONSE_CODES.restrictedCard;
  if (card.status === 'expired' || isPastExpiry(card.expiry, currentYearMonth)) return RESPONSE_CODES.expiredCard;
  if (request.expiry !== undefined && request.expiry !== card.expiry) return RESPONSE_CODES.expiredCard;
  return checkPin(card, request.pinCheck);
}

function checkPin(card: Card, pinCheck: PinCheck): ResponseCode | undefined {
  assert(card.wrongPinCount >= 0 && card.wrongPinCount <= LIMITS.pinTriesMax, 'wrong-PIN counter in range');
  if (pinCheck === 'absent') return undefined;
  if (card.wrongPinCount >= LIMITS.pinTriesMax) return RESPONSE_CODES.pinTriesExceeded;
  if (pinCheck === 'correct') {
    card.wrongPinCount = 0;
    return undefined;
  }
  card.wrongPinCount += 1;
  return card.wrongPinCount >= LIMITS.pinTriesMax ? RESPONSE_CODES.pinTriesExceeded : RESPONSE_CODES.wrongPin;
}

/** Amount and funds rules for the operation; original is the referenced approval where there is one. */
export function checkAmount(
  card: Card,
  request: IssuerRequest,
  original: NetworkApproval | undefined,
): ResponseCode | undefined {
  const amountFen = request.amountFen;
  if (request.operation === 'balanceInquiry') return undefined;
  if (amountFen <= 0n) return RESPONSE_CODES.invalidAmount;
  if (
    card.singleLimitFen !== undefined &&
    amountFen > card.singleLimitFen &&
    CARDHOLDER_DEBIT_OPERATIONS.has(request.operation)
  ) {
    return RESPONSE_CODES.amountLimitExceeded;
  }
  switch (request.operation) {
    case 'purchase':
    case 'preAuth':
      return amountFen > availableFen(card) ? RESPONSE_CODES.insufficientFunds : undefined;
    case 'completion':
      return checkCompletionAmount(card, amountFen, requireOriginal(original));
    case 'preAuthVoid':
    case 'completionVoid':
    case 'void':
      return amountFen === requireOriginal(original).amountFen ? undefined : RESPONSE_CODES.invalidAmount;
    case 'refund': {
      const refundable = requireOriginal(original).amountFen - requireOriginal(original).refundedFen;
      return amountFen > refundable ? RESPONSE_CODES.invalidAmount : undefined;
    }
    default:
      return unreachable(request.operation);
  }
}

function checkCompletionAmount(card: Card, amountFen: Fen, preAuth: NetworkApproval): ResponseCode | undefined {
  const ceilingFen = preAuth.amountFen + (preAuth.amountFen * LIMITS.completionOverHoldPercentMax) / 100n;
  if (amountFen > ceilingFen) return RESPONSE_CODES.invalidAmount;
  const beyondHoldFen = amountFen - preAuth.holdRemainingFen;
  if (beyondHoldFen > 0n && beyondHoldFen > availableFen(card)) return RESPONSE_CODES.insufficientFunds;
  return undefined;
}

function requireOriginal(original: NetworkApproval | undefined): NetworkApproval {
  assert(original !== undefined, 'operation needs its original approval');
  return original;
}

export interface OriginalContext {
  readonly pan: string;
  readonly merchantId: string;
  readonly clearingDate: string;
}

/** Whether original may be voided, completed or refunded by this request (12 when not). */
export function checkOriginal(
  operation: IssuerOperation,
  original: NetworkApproval | undefined,
  context: OriginalContext,
): ResponseCode | undefined {
  const allowed = ORIGINAL_OPERATIONS[operation];
  if (allowed === undefined) return undefined;
  if (original === undefined) return RESPONSE_CODES.originalNotFound;
  if (!allowed.includes(original.operation)) return RESPONSE_CODES.invalidTransaction;
  if (original.state !== 'approved' || original.voided) return RESPONSE_CODES.invalidTransaction;
  if (original.pan !== context.pan || original.keys.merchantId !== context.merchantId) {
    return RESPONSE_CODES.invalidTransaction;
  }
  if (operation === 'void' && (original.refundedFen > 0n || original.clearingDate !== context.clearingDate)) {
    return RESPONSE_CODES.invalidTransaction;
  }
  if ((operation === 'completion' || operation === 'preAuthVoid') && original.holdRemainingFen === 0n) {
    return RESPONSE_CODES.invalidTransaction;
  }
  return undefined;
}
