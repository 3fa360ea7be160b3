// Goal: T0 pays each approved transaction once through the bank rails within the merchant's own limits (or the platform's), retries failures, resolves unknown results by query and falls back to T1; method: scenarios on real Postgres with a scripted fake bank, invariants after each.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { fen } from '@acq/money';
import { type FeePlan, Merchant } from '@acq/proto/merchant/v1/merchant.ts';
import { merchantProfileOf } from '../src/clients/merchant-directory-client.ts';
import { merchantAccountId } from '../src/domain/accounts.ts';
import { advanceDuePayouts } from '../src/flows/advance-payouts.ts';
import { applyTransactionEvents } from '../src/flows/apply-transaction-events.ts';
import { runT1Settlement, t1PayoutIdFor } from '../src/flows/run-t1-settlement.ts';
import { t0PayoutIdFor } from '../src/flows/start-t0-payouts.ts';
import { readAccounts } from '../src/store/ledger-store.ts';
import { readPayout, recheckStuckPayout } from '../src/store/payout-store.ts';
import { createHarness, drainPayouts, type Harness } from './support/harness.ts';

let harness: Harness;
before(async () => {
  harness = await createHarness('2026-03-02T02:00:00Z');
});
after(async () => {
  await harness.close();
});

const drain = () => drainPayouts(harness, () => advanceDuePayouts(harness.context));

async function available(merchantId: string): Promise<bigint> {
  const id = merchantAccountId(merchantId, 'available');
  const totals = (await readAccounts(harness.pool, [id], 'no_lock')).get(id)?.totals;
  return totals === undefined ? 0n : totals.creditsPosted - totals.debitsPosted - totals.debitsPending;
}

test('T0 success: the net of a purchase minus the surcharge reaches the card once', async () => {
  harness.addMerchant('m_t0a', { t0Enabled: true });
  const result = await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_t0a', 'm_t0a', 10000)]);
  expect.deepEqual(result, { appliedCount: 1, duplicateCount: 0, t0PayoutCount: 1 });
  await drain();
  const payout = await readPayout(harness.pool, t0PayoutIdFor('txn_t0a'), 'no_lock');
  expect.equal(payout?.state, 'succeeded');
  expect.equal(payout?.grossFen, 9940n);
  expect.equal(payout?.surchargeFen, 200n);
  expect.equal(harness.bank.paidByPayout().get(t0PayoutIdFor('txn_t0a'))?.amountFen, 9740n);
  expect.equal(await available('m_t0a'), 0n);
  await harness.checkInvariants();
});

test('a redelivered event changes nothing', async () => {
  const event = harness.event('PURCHASE', 'txn_t0b', 'm_t0a', 5000);
  await applyTransactionEvents(harness.context, [event]);
  const replay = await applyTransactionEvents(harness.context, [event, event]);
  expect.deepEqual(replay, { appliedCount: 0, duplicateCount: 2, t0PayoutCount: 0 });
  await drain();
  expect.equal(harness.bank.paidByPayout().get(t0PayoutIdFor('txn_t0b'))?.count, 1);
  await harness.checkInvariants();
});

test('T0 failure: retried, then falls back to T1 and is paid by the next T1 run', async () => {
  harness.addMerchant('m_t0c', { t0Enabled: true });
  harness.bank.script(t0PayoutIdFor('txn_t0c'), ['reject', 'fail_async', 'reject']);
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_t0c', 'm_t0c', 20000)]);
  await drain();
  const payout = await readPayout(harness.pool, t0PayoutIdFor('txn_t0c'), 'no_lock');
  expect.equal(payout?.state, 'failed');
  expect.equal(payout?.attempt, 3);
  expect.equal(payout?.fellBackToT1, true);
  expect.equal(harness.bank.paidByPayout().has(t0PayoutIdFor('txn_t0c')), false);
  expect.equal(await available('m_t0c'), 19880n);
  await harness.checkInvariants();
  await runT1Settlement(harness.context, '2026-03-03');
  await drain();
  const t1 = await readPayout(harness.pool, t1PayoutIdFor('m_t0c', '2026-03-03'), 'no_lock');
  expect.equal(t1?.state, 'succeeded');
  expect.equal(t1?.amountFen, 19880n);
  expect.equal(t1?.surchargeFen, 0n);
  expect.equal(await available('m_t0c'), 0n);
  await harness.checkInvariants();
});

test('unknown results are resolved by query, and a lost request is resent under the same instruction', async () => {
  harness.addMerchant('m_t0d', { t0Enabled: true });
  harness.bank.script(t0PayoutIdFor('txn_t0d1'), ['paid_answer_lost']);
  harness.bank.script(t0PayoutIdFor('txn_t0d2'), ['lost_before_bank']);
  harness.bank.script(t0PayoutIdFor('txn_t0d3'), ['slow']);
  await applyTransactionEvents(harness.context, [
    harness.event('PURCHASE', 'txn_t0d1', 'm_t0d', 3000),
    harness.event('PURCHASE', 'txn_t0d2', 'm_t0d', 4000),
    harness.event('PURCHASE', 'txn_t0d3', 'm_t0d', 5000),
  ]);
  await drain();
  for (const txnId of ['txn_t0d1', 'txn_t0d2', 'txn_t0d3']) {
    const payout = await readPayout(harness.pool, t0PayoutIdFor(txnId), 'no_lock');
    expect.equal(payout?.state, 'succeeded', txnId);
    expect.equal(payout?.attempt, 1, `${txnId} needed no second attempt`);
  }
  await harness.checkInvariants();
});

test('an unresolvable result parks the payout with its money held, never released', async () => {
  harness.addMerchant('m_t0e', { t0Enabled: true });
  harness.bank.script(t0PayoutIdFor('txn_t0e'), ['paid_answer_lost']);
  harness.bank.queriesUnreachable = true;
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_t0e', 'm_t0e', 8000)]);
  await drain();
  harness.bank.queriesUnreachable = false;
  const payout = await readPayout(harness.pool, t0PayoutIdFor('txn_t0e'), 'no_lock');
  expect.equal(payout?.state, 'stuck');
  expect.equal(await available('m_t0e'), 0n);
  await runT1Settlement(harness.context, '2026-03-03');
  expect.equal(await readPayout(harness.pool, t1PayoutIdFor('m_t0e', '2026-03-03'), 'no_lock'), undefined);
  await harness.checkInvariants();
});

test('single limit and daily quota keep money for T1; suspension stops T0', async () => {
  harness.addMerchant('m_t0f', { t0Enabled: true, t0SingleLimitFen: fen(10_000), t0DailyQuotaFen: fen(15_000) });
  harness.addMerchant('m_t0g', { t0Enabled: true, t0SuspendedUntilMs: harness.clock.nowMs() + 3_600_000 });
  const result = await applyTransactionEvents(harness.context, [
    harness.event('PURCHASE', 'txn_t0f1', 'm_t0f', 20_000),
    harness.event('PURCHASE', 'txn_t0f2', 'm_t0f', 9_000),
    harness.event('PURCHASE', 'txn_t0f3', 'm_t0f', 9_000),
    harness.event('PURCHASE', 'txn_t0g', 'm_t0g', 9_000),
  ]);
  expect.equal(result.t0PayoutCount, 1);
  expect.notEqual(await readPayout(harness.pool, t0PayoutIdFor('txn_t0f2'), 'no_lock'), undefined);
  expect.equal(await readPayout(harness.pool, t0PayoutIdFor('txn_t0f1'), 'no_lock'), undefined);
  expect.equal(await readPayout(harness.pool, t0PayoutIdFor('txn_t0f3'), 'no_lock'), undefined);
  expect.equal(await readPayout(harness.pool, t0PayoutIdFor('txn_t0g'), 'no_lock'), undefined);
  await drain();
  await harness.checkInvariants();
});

test('a void before the T0 payout reached the bank cancels the payout instead of raising a bill', async () => {
  harness.addMerchant('m_t0h', { t0Enabled: true });
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_t0h', 'm_t0h', 10000)]);
  await applyTransactionEvents(harness.context, [
    harness.event('VOID', 'txn_t0hv', 'm_t0h', 10000, { originalTxnId: 'txn_t0h' }),
  ]);
  const payout = await readPayout(harness.pool, t0PayoutIdFor('txn_t0h'), 'no_lock');
  expect.equal(payout?.state, 'failed');
  expect.equal(payout?.failureReason, 'TRANSACTION_CANCELLED');
  expect.equal(payout?.fellBackToT1, false);
  await drain();
  expect.equal(harness.bank.paidByPayout().has(t0PayoutIdFor('txn_t0h')), false);
  expect.equal(await available('m_t0h'), 0n);
  const bills = await harness.pool.query('SELECT 1 FROM bills WHERE merchant_id = $1', ['m_t0h']);
  expect.equal(bills.rowCount, 0);
  await harness.checkInvariants();
});

test('an operator recheck of a stuck payout resolves it by query, never by paying again', async () => {
  const payoutId = t0PayoutIdFor('txn_t0e');
  expect.equal(await recheckStuckPayout(harness.pool, payoutId, harness.clock.nowMs()), true);
  expect.equal(await recheckStuckPayout(harness.pool, payoutId, harness.clock.nowMs()), false, 'only stuck payouts');
  await drain();
  expect.equal((await readPayout(harness.pool, payoutId, 'no_lock'))?.state, 'succeeded');
  expect.equal(harness.bank.paidByPayout().get(payoutId)?.count, 1);
  await harness.checkInvariants();
});

test('per-merchant T0 limits from the fee plan: at the limit is paid T0, one fen over waits for T1', async () => {
  // Net = amount - 0.60 % fee (half up): 10,060 -> 10,000; 10,061 -> 10,001; 5,030 -> 5,000; 5,031 -> 5,001.
  const defaults = { singleLimitFen: 5_000n, dailyQuotaFen: 1_000_000n };
  const merchantWith = (merchantId: string, limits: Partial<FeePlan>) =>
    merchantProfileOf(
      Merchant.fromPartial({
        merchantId,
        merchantNumber: '898310058129999',
        businessName: `Shop ${merchantId}`,
        status: 'active',
        t0Enabled: true,
        contextVersion: 1n,
        feePlan: {
          category: 'standard',
          debitRateUnits: 6000n,
          debitCapFen: 2000n,
          creditRateUnits: 6000n,
          t0RateUnits: 0n,
          t0FixedFen: 200n,
          ...limits,
        },
      }),
      defaults,
    );
  const own = harness.addMerchant(
    'm_lim',
    merchantWith('m_lim', { t0SingleLimitFen: 10_000n, t0DailyQuotaFen: 25_000n }),
  );
  const platform = harness.addMerchant('m_limd', merchantWith('m_limd', {}));
  expect.deepEqual([own.t0SingleLimitFen, own.t0DailyQuotaFen], [10_000n, 25_000n]);
  expect.deepEqual([platform.t0SingleLimitFen, platform.t0DailyQuotaFen], [5_000n, 1_000_000n]);
  const result = await applyTransactionEvents(harness.context, [
    harness.event('PURCHASE', 'txn_lim1', 'm_lim', 10_061), // net 10,001: one fen over the single limit
    harness.event('PURCHASE', 'txn_lim2', 'm_lim', 10_060), // net 10,000: exactly the single limit
    harness.event('PURCHASE', 'txn_lim3', 'm_lim', 10_060), // 20,000 used today
    harness.event('PURCHASE', 'txn_lim4', 'm_lim', 5_031), // would make 25,001: one fen over the quota
    harness.event('PURCHASE', 'txn_lim5', 'm_lim', 5_030), // makes exactly 25,000
    harness.event('PURCHASE', 'txn_limd1', 'm_limd', 5_030), // net 5,000: the platform default single limit
    harness.event('PURCHASE', 'txn_limd2', 'm_limd', 5_031), // net 5,001
  ]);
  expect.equal(result.t0PayoutCount, 4);
  const paidT0 = async (txnId: string) =>
    (await readPayout(harness.pool, t0PayoutIdFor(txnId), 'no_lock')) !== undefined;
  expect.deepEqual(
    await Promise.all(
      ['txn_lim1', 'txn_lim2', 'txn_lim3', 'txn_lim4', 'txn_lim5', 'txn_limd1', 'txn_limd2'].map(paidT0),
    ),
    [false, true, true, false, true, true, false],
  );
  await drain();
  // What T0 did not pay stays available, and the next T1 run pays it.
  expect.equal(await available('m_lim'), 10_001n + 5_001n);
  expect.equal(await available('m_limd'), 5_001n);
  await runT1Settlement(harness.context, '2026-03-03');
  await drain();
  const t1 = await readPayout(harness.pool, t1PayoutIdFor('m_lim', '2026-03-03'), 'no_lock');
  expect.equal(t1?.state, 'succeeded');
  expect.equal(t1?.amountFen, 15_002n);
  expect.equal(await available('m_lim'), 0n);
  await harness.checkInvariants();
});
