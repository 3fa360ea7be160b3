/**
 * The T1 run for one business day: for each merchant, release proceeds whose settlement date has
 * come (pending -> available), repay open bills from them, and pay the whole available balance out
 * in one payout. Money that T0 could not pay (refused, failed, fallen back) is in the available
 * balance too, so this run is also the T0 fallback. Re-running a date skips merchants already paid.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { fen } from '@acq/money';
import { merchantAccountId } from '../domain/accounts.ts';
import type { IsoDate } from '../domain/calendar.ts';
import { payoutHoldPosting, releaseToAvailablePosting } from '../domain/posting-rules.ts';
import { spendableBalance } from '../domain/transfers.ts';
import { T1_MERCHANTS_PER_TRANSACTION_MAX } from '../limits.ts';
import { applyTransfers, type Queryable, readAccounts } from '../store/ledger-store.ts';
import { readMerchantProfiles } from '../store/merchant-profile-store.ts';
import { insertPayouts } from '../store/payout-store.ts';
import { repayOpenBillsFromAvailable } from './charge-merchant.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from './settlement-context.ts';

export type T1RunResult = {
  readonly merchantCount: number;
  readonly payoutCount: number;
  /** Merchants whose settlement failed this run (logged by the caller; the next run retries them). */
  readonly failedMerchantIds: readonly string[];
};

export function t1PayoutIdFor(merchantId: string, settlementDate: IsoDate): string {
  return `po_t1_${merchantId}_${settlementDate.replaceAll('-', '')}`;
}

export async function runT1Settlement(context: SettlementContext, settlementDate: IsoDate): Promise<T1RunResult> {
  if (!context.calendar().isBusinessDay(settlementDate)) {
    throw new SettlementError(SettlementErrorCode.notBusinessDay, `${settlementDate} is not a business day`);
  }
  const merchantIds = await merchantsToSettle(context.pool, settlementDate);
  let payoutCount = 0;
  const failedMerchantIds: string[] = [];
  for (let start = 0; start < merchantIds.length; start += T1_MERCHANTS_PER_TRANSACTION_MAX) {
    const chunk = merchantIds.slice(start, start + T1_MERCHANTS_PER_TRANSACTION_MAX);
    try {
      payoutCount += await settleMerchants(context, chunk, settlementDate);
    } catch {
      // One merchant must not hold up the others: settle the chunk merchant by merchant.
      for (const merchantId of chunk) {
        try {
          payoutCount += await settleMerchants(context, [merchantId], settlementDate);
        } catch {
          failedMerchantIds.push(merchantId);
        }
      }
    }
  }
  assert(failedMerchantIds.length <= merchantIds.length, 'failures are among the merchants');
  return { merchantCount: merchantIds.length, payoutCount, failedMerchantIds };
}

/** Settles merchants in one SQL transaction; returns how many payouts it created. */
function settleMerchants(
  context: SettlementContext,
  merchantIds: readonly string[],
  settlementDate: IsoDate,
): Promise<number> {
  return withTransaction(context.pool, async (client) => {
    let created = 0;
    for (const merchantId of merchantIds) {
      if (await settleMerchant(client, context, merchantId, settlementDate)) created += 1;
    }
    return created;
  });
}

async function merchantsToSettle(client: Queryable, settlementDate: IsoDate): Promise<string[]> {
  const result = await client.query<{ merchant_id: string }>(
    `SELECT merchant_id FROM transactions
       WHERE released_on IS NULL AND credited_to = 'pending' AND kind IN ('PURCHASE', 'COMPLETION')
         AND settlement_date <= $1::date
     UNION
     SELECT merchant_id FROM accounts
       WHERE kind = 'available' AND credits_posted - debits_posted - debits_pending > 0
     ORDER BY merchant_id`,
    [settlementDate],
  );
  return result.rows.map((row) => row.merchant_id);
}

/** Returns true when a payout was created. */
async function settleMerchant(
  client: Queryable,
  context: SettlementContext,
  merchantId: string,
  settlementDate: IsoDate,
): Promise<boolean> {
  // The profile row lock serialises this merchant's T1 run with its T0 payouts and D0 withdrawals.
  await readMerchantProfiles(client, [merchantId], 'lock');
  const payoutId = t1PayoutIdFor(merchantId, settlementDate);
  const existing = await client.query('SELECT 1 FROM payouts WHERE payout_id = $1', [payoutId]);
  if (existing.rowCount !== 0) return false;
  const nowMs = context.clock.nowMs();
  await releaseDueProceeds(client, merchantId, settlementDate, nowMs);
  await repayOpenBillsFromAvailable(client, merchantId, `t1-${settlementDate}`, nowMs);
  const availableId = merchantAccountId(merchantId, 'available');
  const balance = (await readAccounts(client, [availableId], 'lock')).get(availableId);
  assert(balance !== undefined, 'the locked account exists');
  const grossFen = fen(spendableBalance('credit', balance.totals));
  if (grossFen === 0n) return false;
  const hold = payoutHoldPosting(payoutId, merchantId, grossFen);
  await applyTransfers(client, [hold], nowMs);
  await insertPayouts(
    client,
    [
      {
        payoutId,
        merchantId,
        kind: 't1',
        txnId: null,
        settlementDate,
        grossFen,
        surchargeFen: fen(0),
        amountFen: grossFen,
        holdTransferId: hold.id,
        idempotencyKey: null,
      },
    ],
    nowMs,
  );
  return true;
}

/**
 * Moves due proceeds from pending to available: everything in pending except what not-yet-due
 * transactions still need (voids and refunds may already have drawn on pending).
 */
async function releaseDueProceeds(
  client: Queryable,
  merchantId: string,
  settlementDate: IsoDate,
  nowMs: number,
): Promise<void> {
  const pendingId = merchantAccountId(merchantId, 'pending');
  const pending = (await readAccounts(client, [pendingId], 'lock')).get(pendingId);
  assert(pending !== undefined, 'the locked account exists');
  const undue = await client.query<{ undue_fen: bigint }>(
    `SELECT COALESCE(sum(GREATEST(net_fen - refunded_fen, 0)), 0)::bigint AS undue_fen FROM transactions
     WHERE merchant_id = $1 AND released_on IS NULL AND credited_to = 'pending' AND kind IN ('PURCHASE', 'COMPLETION')
       AND cancelled_by IS NULL AND settlement_date > $2::date`,
    [merchantId, settlementDate],
  );
  const undueFen = undue.rows[0]?.undue_fen ?? 0n;
  const releasable = spendableBalance('credit', pending.totals) - undueFen;
  if (releasable > 0n)
    await applyTransfers(client, [releaseToAvailablePosting(merchantId, settlementDate, fen(releasable))], nowMs);
  await client.query(
    `UPDATE transactions SET released_on = $2::date WHERE merchant_id = $1 AND released_on IS NULL
       AND credited_to = 'pending' AND settlement_date <= $2::date`,
    [merchantId, settlementDate],
  );
}
