/**
 * When a T0 transaction is voided or reversed before its payout reached the bank, the payout is
 * cancelled (hold released) instead of paying money the merchant would owe back at once. A payout
 * already submitted is left alone: it may be paid, so the void is charged like any other.
 */
import { assert } from '@acq/assert';
import { payoutReleasePosting } from '../domain/posting-rules.ts';
import { applyTransfers, type Queryable, readTransfers } from '../store/ledger-store.ts';
import { markFinished } from '../store/payout-store.ts';
import { payoutFinishedEvents, writeSettlementEvents } from './settlement-outbox.ts';
import { t0PayoutIdFor } from './start-t0-payouts.ts';

export async function cancelUnsentT0Payout(client: Queryable, txnId: string, nowMs: number): Promise<boolean> {
  const payoutId = t0PayoutIdFor(txnId);
  // SKIP LOCKED: a worker holding the row is about to submit it; then it is no longer "unsent".
  const result = await client.query<{ hold_transfer_id: string }>(
    `SELECT hold_transfer_id FROM payouts WHERE payout_id = $1 AND state = 'created' FOR NO KEY UPDATE SKIP LOCKED`,
    [payoutId],
  );
  const row = result.rows[0];
  if (row === undefined) return false;
  const hold = (await readTransfers(client, [row.hold_transfer_id])).get(row.hold_transfer_id);
  assert(hold !== undefined, 'every payout has its hold');
  await applyTransfers(client, [payoutReleasePosting(hold)], nowMs);
  const cancelled = await markFinished(client, {
    payoutId,
    state: 'failed',
    reason: 'TRANSACTION_CANCELLED',
    fellBackToT1: false,
    nowMs,
  });
  await writeSettlementEvents(client, payoutFinishedEvents(cancelled, nowMs));
  return true;
}
