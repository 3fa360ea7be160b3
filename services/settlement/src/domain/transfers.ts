/**
 * Transfer shapes and the pure balance arithmetic of the ledger (TigerBeetle semantics): a posted
 * transfer moves money at once; a pending transfer holds it; a post_pending transfer completes a
 * hold for at most its amount and releases the rest; a void_pending transfer releases the hold.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export const TRANSFER_FLAGS = ['posted', 'pending', 'post_pending', 'void_pending'] as const;
export type TransferFlags = (typeof TRANSFER_FLAGS)[number];

/** Why money moved; statements group ledger lines by it. */
export const TRANSFER_CODES = [
  'capture',
  'capture_fee',
  'preauth_hold',
  'preauth_completion',
  'preauth_release',
  'cancellation',
  'cancellation_fee',
  'refund',
  'shortfall_to_arrears',
  'release_to_available',
  'payout_hold',
  'payout_completion',
  'payout_release',
  'payout_sent',
  'payout_surcharge',
  'repayment_external',
  'repayment_from_settlement',
  'chargeback',
  'service_fee',
  'reconciliation_adjustment',
  'network_settlement',
] as const;
export type TransferCode = (typeof TRANSFER_CODES)[number];

export type Transfer = {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountFen: Fen;
  readonly flags: TransferFlags;
  readonly pendingId: string | null;
  readonly code: TransferCode;
  readonly reference: string;
  readonly merchantId: string | null;
};

export type AccountTotals = {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
};

export function zeroTotals(): AccountTotals {
  return { debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n };
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function assertTransferShape(transfer: Transfer): void {
  assert(UUID_PATTERN.test(transfer.id), 'transfer ids are lower-case UUIDs');
  assert(transfer.amountFen > 0n, 'transfers move a positive amount');
  assert(transfer.debitAccountId !== transfer.creditAccountId, 'a transfer joins two different accounts');
  const resolvesHold = transfer.flags === 'post_pending' || transfer.flags === 'void_pending';
  assert(resolvesHold === (transfer.pendingId !== null), 'only hold resolutions name a pending transfer');
  assert(transfer.reference.length > 0, 'transfers carry a business reference');
}

/** True when two transfers with one id describe the same movement (replay) rather than a conflict. */
export function sameTransferBody(left: Transfer, right: Transfer): boolean {
  return (
    left.debitAccountId === right.debitAccountId &&
    left.creditAccountId === right.creditAccountId &&
    left.amountFen === right.amountFen &&
    left.flags === right.flags &&
    left.pendingId === right.pendingId &&
    left.code === right.code &&
    left.reference === right.reference &&
    left.merchantId === right.merchantId
  );
}

/**
 * Adds the effect of `transfer` to the running totals of its two accounts. `hold` is the pending
 * transfer a post/void resolves (its whole amount leaves the pending columns).
 */
export function accumulateTransfer(
  totals: Map<string, AccountTotals>,
  transfer: Transfer,
  hold: Transfer | undefined,
): void {
  const debit = totalsFor(totals, transfer.debitAccountId);
  const credit = totalsFor(totals, transfer.creditAccountId);
  if (transfer.flags === 'posted') {
    debit.debitsPosted += transfer.amountFen;
    credit.creditsPosted += transfer.amountFen;
    return;
  }
  if (transfer.flags === 'pending') {
    debit.debitsPending += transfer.amountFen;
    credit.creditsPending += transfer.amountFen;
    return;
  }
  assert(hold !== undefined && hold.flags === 'pending', 'a hold resolution needs its pending transfer');
  debit.debitsPending -= hold.amountFen;
  credit.creditsPending -= hold.amountFen;
  if (transfer.flags === 'post_pending') {
    debit.debitsPosted += transfer.amountFen;
    credit.creditsPosted += transfer.amountFen;
  }
}

function totalsFor(totals: Map<string, AccountTotals>, accountId: string): AccountTotals {
  let entry = totals.get(accountId);
  if (entry === undefined) {
    entry = zeroTotals();
    totals.set(accountId, entry);
  }
  return entry;
}

/** Spendable balance of an account on its normal side: posted minus outgoing holds. */
export function spendableBalance(normalSide: 'debit' | 'credit', totals: AccountTotals): bigint {
  if (normalSide === 'credit') return totals.creditsPosted - totals.debitsPosted - totals.debitsPending;
  return totals.debitsPosted - totals.creditsPosted - totals.creditsPending;
}

/** Posted balance on the normal side (holds ignored). */
export function postedBalance(normalSide: 'debit' | 'credit', totals: AccountTotals): bigint {
  if (normalSide === 'credit') return totals.creditsPosted - totals.debitsPosted;
  return totals.debitsPosted - totals.creditsPosted;
}
