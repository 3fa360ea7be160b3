/**
 * Bank rails rules: whether an account (a registered card) can receive or be debited, and the
 * transfer record every payout, micro-deposit and debit leaves behind.
 */
import type { Fen } from '@acq/money';
import { availableFen, type Card, isPastExpiry } from './card.ts';

export type TransferKind = 'payout' | 'microDeposit' | 'debit';
export type TransferStatus = 'ACCEPTED' | 'UNKNOWN' | 'SUCCESS' | 'FAILED';
export type TransferFailureCode =
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_NAME_MISMATCH'
  | 'ACCOUNT_FROZEN'
  | 'CARD_EXPIRED'
  | 'INSUFFICIENT_FUNDS'
  | 'BANK_REJECTED';

export interface BankTransfer {
  readonly transferId: string;
  readonly kind: TransferKind;
  /** The platform's id (payoutId, requestId or debitId): the idempotency key within the kind. */
  readonly requestId: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly amountFen: Fen;
  readonly createdAtMs: number;
  status: TransferStatus;
  failureCode: TransferFailureCode | undefined;
  /** When an accepted transfer reaches its final status. */
  readonly completesAtMs: number;
  /** Until this time a query answers UNKNOWN (injected in-doubt state). */
  readonly unknownUntilMs: number;
  /** The failure injected at submit time, applied on completion. */
  readonly injectedFailure: boolean;
  completedAtMs: number | undefined;
}

/** Can this account receive money in this name? undefined when it can. */
export function checkCreditAccount(card: Card | undefined, accountName: string): TransferFailureCode | undefined {
  if (card === undefined) return 'ACCOUNT_NOT_FOUND';
  if (card.holder.holderName !== undefined && card.holder.holderName !== accountName) return 'ACCOUNT_NAME_MISMATCH';
  if (card.status === 'lost' || card.status === 'stolen' || card.status === 'frozen') return 'ACCOUNT_FROZEN';
  return undefined;
}

/** Can this account be debited amountFen in this name? undefined when it can. */
export function checkDebitAccount(
  card: Card | undefined,
  accountName: string,
  amountFen: Fen,
  currentYearMonth: string,
): TransferFailureCode | undefined {
  const creditCheck = checkCreditAccount(card, accountName);
  if (creditCheck !== undefined || card === undefined) return creditCheck ?? 'ACCOUNT_NOT_FOUND';
  if (card.status === 'expired' || isPastExpiry(card.expiry, currentYearMonth)) return 'CARD_EXPIRED';
  if (availableFen(card) < amountFen) return 'INSUFFICIENT_FUNDS';
  return undefined;
}

export function isSameTransferRequest(
  transfer: BankTransfer,
  accountNumber: string,
  accountName: string,
  amountFen: Fen | undefined,
): boolean {
  if (transfer.accountNumber !== accountNumber || transfer.accountName !== accountName) return false;
  return amountFen === undefined || transfer.amountFen === amountFen;
}
