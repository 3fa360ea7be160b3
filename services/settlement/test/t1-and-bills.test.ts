// Goal: T1 pays on the next business day across holidays and make-up working days, and a void after a T0 payout becomes a bill repaid partly by card and the rest from the next settlement; method: scenarios on real Postgres with a fake bank and a manual clock, invariants after each.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { merchantAccountId } from '../src/domain/accounts.ts';
import { advanceDuePayouts } from '../src/flows/advance-payouts.ts';
import { applyTransactionEvents } from '../src/flows/apply-transaction-events.ts';
import { repayBill } from '../src/flows/repay-bill.ts';
import { runT1Settlement, t1PayoutIdFor } from '../src/flows/run-t1-settlement.ts';
import { SettlementError } from '../src/flows/settlement-context.ts';
import { t0PayoutIdFor } from '../src/flows/start-t0-payouts.ts';
import { withdrawD0 } from '../src/flows/withdraw-d0.ts';
import { fen } from '@acq/money';
import { billIdFor, listBills, readBill } from '../src/store/bill-store.ts';
import { readAccounts } from '../src/store/ledger-store.ts';
import { readPayout } from '../src/store/payout-store.ts';
import { readTransaction } from '../src/store/transaction-store.ts';
import { createHarness, drainPayouts, type Harness } from './support/harness.ts';

let harness: Harness;
before(async () => {
  harness = await createHarness('2026-02-13T02:00:00Z');
});
after(async () => {
  await harness.close();
});

const drain = () => drainPayouts(harness, () => advanceDuePayouts(harness.context));

async function balance(merchantId: string, kind: 'available' | 'pending' | 'arrears'): Promise<bigint> {
  const id = merchantAccountId(merchantId, kind);
  const totals = (await readAccounts(harness.pool, [id], 'no_lock')).get(id)?.totals;
  if (totals === undefined) return 0n;
  return kind === 'arrears'
    ? totals.debitsPosted - totals.creditsPosted
    : totals.creditsPosted - totals.debitsPosted - totals.debitsPending;
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof SettlementError) return error.code;
    throw error;
  }
}

test('T1 across Spring Festival 2026: Friday and the make-up Saturday, paid on their business days', async () => {
  harness.addMerchant('m_t1a');
  // Friday 2026-02-13 10:00 Shanghai: T1 is the make-up working Saturday 02-14.
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_t1a1', 'm_t1a', 10000)]);
  // Saturday 02-14 23:30 Shanghai is past the cutoff: booked to Sunday 02-15 (holiday), so T1 is 02-24.
  harness.clock.set('2026-02-14T15:30:00Z');
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_t1a2', 'm_t1a', 30000)]);
  expect.equal((await readTransaction(harness.pool, 'txn_t1a1', 'no_lock'))?.settlementDate, '2026-02-14');
  const late = await readTransaction(harness.pool, 'txn_t1a2', 'no_lock');
  expect.equal(late?.bookingDate, '2026-02-15');
  expect.equal(late?.settlementDate, '2026-02-24');
  expect.equal(await errorCode(runT1Settlement(harness.context, '2026-02-16')), 'NOT_A_BUSINESS_DAY');
  await runT1Settlement(harness.context, '2026-02-14');
  await drain();
  expect.equal((await readPayout(harness.pool, t1PayoutIdFor('m_t1a', '2026-02-14'), 'no_lock'))?.amountFen, 9940n);
  expect.equal(await balance('m_t1a', 'pending'), 29820n);
  // Re-running a date pays nothing twice.
  expect.deepEqual(await runT1Settlement(harness.context, '2026-02-14'), {
    merchantCount: 0,
    payoutCount: 0,
    failedMerchantIds: [],
  });
  await runT1Settlement(harness.context, '2026-02-24');
  await drain();
  expect.equal((await readPayout(harness.pool, t1PayoutIdFor('m_t1a', '2026-02-24'), 'no_lock'))?.amountFen, 29820n);
  expect.equal(await balance('m_t1a', 'pending'), 0n);
  await harness.checkInvariants();
});

test('a void after a T0 payout becomes a bill, repaid partly by card and the rest from the next settlement', async () => {
  harness.clock.set('2026-03-02T02:00:00Z');
  harness.addMerchant('m_bill', { t0Enabled: true });
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_b1', 'm_bill', 50000)]);
  await drain();
  expect.equal((await readPayout(harness.pool, t0PayoutIdFor('txn_b1'), 'no_lock'))?.state, 'succeeded');
  await applyTransactionEvents(harness.context, [
    harness.event('VOID', 'txn_b1v', 'm_bill', 50000, { originalTxnId: 'txn_b1' }),
  ]);
  const billId = billIdFor('void_shortfall', 'txn_b1v');
  const bill = await readBill(harness.pool, billId, 'no_lock');
  expect.equal(bill?.amountFen, 49700n);
  expect.equal(bill?.dueOn, '2026-03-09');
  expect.equal(await balance('m_bill', 'arrears'), 49700n);
  await harness.checkInvariants();

  harness.bank.cardBalances.set('enc_m_bill', 10_000n);
  const tooMuch = await repayBill(harness.context, {
    merchantId: 'm_bill',
    billId,
    method: 'bank_card',
    amountFen: fen(20_000),
    idempotencyKey: 'rk1',
    payer: null,
  });
  expect.equal(tooMuch.state, 'failed');
  expect.equal(tooMuch.failureCode, 'INSUFFICIENT_FUNDS');
  const partial = await repayBill(harness.context, {
    merchantId: 'm_bill',
    billId,
    method: 'bank_card',
    amountFen: fen(10_000),
    idempotencyKey: 'rk2',
    payer: null,
  });
  expect.equal(partial.state, 'succeeded');
  const again = await repayBill(harness.context, {
    merchantId: 'm_bill',
    billId,
    method: 'bank_card',
    amountFen: fen(10_000),
    idempotencyKey: 'rk2',
    payer: null,
  });
  expect.equal(again.repaymentId, partial.repaymentId);
  expect.equal(harness.bank.cardBalances.get('enc_m_bill'), 0n);
  expect.equal(
    await errorCode(
      repayBill(harness.context, {
        merchantId: 'm_bill',
        billId,
        method: 'bank_card',
        amountFen: fen(39_701),
        idempotencyKey: 'rk3',
        payer: null,
      }),
    ),
    'REPAYMENT_EXCEEDS_BILL',
  );
  expect.equal(await balance('m_bill', 'arrears'), 39700n);
  await harness.checkInvariants();

  // The next settlement (a T0 capture) repays the rest first and pays out only what is left.
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_b2', 'm_bill', 60000)]);
  await drain();
  expect.equal((await readBill(harness.pool, billId, 'no_lock'))?.state, 'paid');
  expect.equal(await balance('m_bill', 'arrears'), 0n);
  const payout = await readPayout(harness.pool, t0PayoutIdFor('txn_b2'), 'no_lock');
  expect.equal(payout?.grossFen, 59640n - 39700n);
  expect.deepEqual((await listBills(harness.pool, 'm_bill', 'open', 10)).length, 0);
  await harness.checkInvariants();
});

test('overdue bills suspend T0 and D0; refunds beyond the balance raise a bill', async () => {
  harness.clock.set('2026-03-03T02:00:00Z');
  harness.addMerchant('m_over', { t0Enabled: true });
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_o1', 'm_over', 10000)]);
  await drain();
  await applyTransactionEvents(harness.context, [
    harness.event('REFUND', 'txn_o1r', 'm_over', 4000, { originalTxnId: 'txn_o1' }),
  ]);
  const billId = billIdFor('refund_shortfall', 'txn_o1r');
  expect.equal((await readBill(harness.pool, billId, 'no_lock'))?.amountFen, 4000n);
  harness.clock.set('2026-03-20T02:00:00Z');
  const result = await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_o2', 'm_over', 1000)]);
  expect.equal(result.t0PayoutCount, 0, 'T0 is suspended while a bill is overdue');
  expect.equal(
    await errorCode(withdrawD0(harness.context, { merchantId: 'm_over', amountFen: fen(100), idempotencyKey: 'w1' })),
    'T0_SUSPENDED',
  );
  await harness.checkInvariants();
});

test('D0 withdrawal of the available balance is idempotent and bounded by the balance', async () => {
  harness.clock.set('2026-03-04T02:00:00Z');
  harness.addMerchant('m_d0', { t0Enabled: true, t0DailyQuotaFen: fen(1_000_000) });
  harness.bank.script(t0PayoutIdFor('txn_d1'), ['reject', 'reject', 'reject']);
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_d1', 'm_d0', 10000)]);
  await drain();
  expect.equal(await balance('m_d0', 'available'), 9940n);
  expect.equal(
    await errorCode(withdrawD0(harness.context, { merchantId: 'm_d0', amountFen: fen(9941), idempotencyKey: 'w1' })),
    'INSUFFICIENT_FUNDS',
  );
  const withdrawal = await withdrawD0(harness.context, {
    merchantId: 'm_d0',
    amountFen: fen(5000),
    idempotencyKey: 'w2',
  });
  const repeat = await withdrawD0(harness.context, { merchantId: 'm_d0', amountFen: fen(5000), idempotencyKey: 'w2' });
  expect.equal(repeat.payoutId, withdrawal.payoutId);
  expect.equal(
    await errorCode(withdrawD0(harness.context, { merchantId: 'm_d0', amountFen: fen(4000), idempotencyKey: 'w2' })),
    'IDEMPOTENCY_KEY_REUSED',
  );
  await drain();
  expect.equal((await readPayout(harness.pool, withdrawal.payoutId, 'no_lock'))?.state, 'succeeded');
  expect.equal(await balance('m_d0', 'available'), 4940n);
  await harness.checkInvariants();
});

test('pre-authorization holds, completes for less, and a void of the completion charges it back', async () => {
  harness.addMerchant('m_pre');
  await applyTransactionEvents(harness.context, [harness.event('PREAUTH', 'txn_p1', 'm_pre', 30000)]);
  expect.equal(await balance('m_pre', 'pending'), 0n, 'a hold is not spendable');
  await applyTransactionEvents(harness.context, [
    harness.event('COMPLETION', 'txn_p1c', 'm_pre', 20000, { originalTxnId: 'txn_p1' }),
  ]);
  expect.equal(await balance('m_pre', 'pending'), 19880n);
  await applyTransactionEvents(harness.context, [harness.event('PREAUTH', 'txn_p2', 'm_pre', 5000)]);
  await applyTransactionEvents(harness.context, [
    harness.event('PREAUTH_VOID', 'txn_p2v', 'm_pre', 5000, { originalTxnId: 'txn_p2' }),
  ]);
  await applyTransactionEvents(harness.context, [
    harness.event('COMPLETION_VOID', 'txn_p1cv', 'm_pre', 20000, { originalTxnId: 'txn_p1c' }),
  ]);
  expect.equal(await balance('m_pre', 'pending'), 0n);
  await applyTransactionEvents(harness.context, [
    harness.event('REVERSAL', 'txn_p1cvr', 'm_pre', 20000, { originalTxnId: 'txn_p1cv' }),
  ]);
  expect.equal(await balance('m_pre', 'available'), 19880n, 'reversing the void restores the completion');
  await harness.checkInvariants();
});
