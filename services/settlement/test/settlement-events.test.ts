// Goal: settlement reports payout.succeeded / payout.failed, t0.fallback_t1, bill.created and bill.repaid through its outbox
// in the transaction of the ledger change, once each, and a rolled-back change publishes nothing; method: scenarios on real
// Postgres with the fake bank, outbox rows decoded, and a real relay into a private Postgres event log for the rollback.
import { strict as expect } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createPostgresLogPublisher, ensurePostgresLog, outboxBacklog, startOutboxRelay } from '@acq/bus';
import { withTransaction } from '@acq/db';
import { fen } from '@acq/money';
import { BillChanged, PayoutFinished, T0FallbackT1 } from '@acq/proto/settlement/v1/events.ts';
import { advanceDuePayouts } from '../src/flows/advance-payouts.ts';
import { applyTransactionEvents, applyTransactionEventsWithin } from '../src/flows/apply-transaction-events.ts';
import { repayBill } from '../src/flows/repay-bill.ts';
import { SETTLEMENT_EVENTS_TOPIC } from '../src/flows/settlement-outbox.ts';
import { t0PayoutIdFor } from '../src/flows/start-t0-payouts.ts';
import { billIdFor } from '../src/store/bill-store.ts';
import { createHarness, drainPayouts, type Harness } from './support/harness.ts';

let harness: Harness;
before(async () => {
  harness = await createHarness('2026-03-02T02:00:00Z');
});
after(async () => {
  await harness.close();
});

const drain = () => drainPayouts(harness, () => advanceDuePayouts(harness.context));

type OutboxRow = { event_type: string; topic: string; payload: Buffer };

async function eventsOf(merchantId: string): Promise<OutboxRow[]> {
  const result = await harness.pool.query<OutboxRow>(
    'SELECT event_type, topic, payload FROM outbox WHERE event_key = $1 ORDER BY position',
    [merchantId],
  );
  for (const row of result.rows) expect.equal(row.topic, SETTLEMENT_EVENTS_TOPIC);
  return result.rows;
}

test('T0 refused at capture or failed for good falls back to T1, a paid payout succeeds: each reported once', async () => {
  harness.addMerchant('m_ev1', { t0Enabled: true, t0SingleLimitFen: fen(20_000) });
  harness.bank.script(t0PayoutIdFor('txn_ev2'), ['reject', 'fail_async', 'reject']);
  const batch = [
    harness.event('PURCHASE', 'txn_ev1', 'm_ev1', 10_000), // net 9,940: paid T0
    harness.event('PURCHASE', 'txn_ev2', 'm_ev1', 15_000), // net 14,910: T0 fails three times
    harness.event('PURCHASE', 'txn_ev3', 'm_ev1', 30_000), // net 29,820: over the single limit
  ];
  await applyTransactionEvents(harness.context, batch);
  await drain();
  await applyTransactionEvents(harness.context, batch);
  await drain();
  const rows = await eventsOf('m_ev1');
  expect.deepEqual(
    rows.map((row) => row.event_type),
    ['t0.fallback_t1', 'payout.succeeded', 'payout.failed', 't0.fallback_t1'],
    'one event per change, none for the redelivered batch',
  );
  const [refused, succeeded, failed, fellBack] = rows.map((row) => row.payload);
  expect.deepEqual(
    pick(T0FallbackT1.decode(refused ?? Buffer.alloc(0)), ['txnId', 'amountFen', 'reason', 'payoutId']),
    { txnId: 'txn_ev3', amountFen: 29_820n, reason: 'SINGLE_LIMIT', payoutId: '' },
  );
  const paid = PayoutFinished.decode(succeeded ?? Buffer.alloc(0)).payout;
  expect.ok(paid !== undefined);
  expect.deepEqual(pick(paid, ['payoutId', 'kind', 'state', 'grossFen', 'amountFen']), {
    payoutId: t0PayoutIdFor('txn_ev1'),
    kind: 't0',
    state: 'succeeded',
    grossFen: 9_940n,
    amountFen: 9_740n,
  });
  const lost = PayoutFinished.decode(failed ?? Buffer.alloc(0)).payout;
  expect.ok(lost !== undefined);
  expect.deepEqual(pick(lost, ['payoutId', 'state', 'fellBackToT1']), {
    payoutId: t0PayoutIdFor('txn_ev2'),
    state: 'failed',
    fellBackToT1: true,
  });
  expect.deepEqual(
    pick(T0FallbackT1.decode(fellBack ?? Buffer.alloc(0)), ['txnId', 'amountFen', 'reason', 'payoutId']),
    { txnId: 'txn_ev2', amountFen: 14_910n, reason: 'PAYOUT_FAILED', payoutId: t0PayoutIdFor('txn_ev2') },
  );
  await harness.checkInvariants();
});

test('a void beyond the balance raises a bill; each repayment reports the bill, the last one paid', async () => {
  harness.addMerchant('m_ev2', { t0Enabled: true });
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_ev5', 'm_ev2', 50_000)]);
  await drain();
  await applyTransactionEvents(harness.context, [
    harness.event('VOID', 'txn_ev5v', 'm_ev2', 50_000, { originalTxnId: 'txn_ev5' }),
  ]);
  const billId = billIdFor('void_shortfall', 'txn_ev5v');
  harness.bank.cardBalances.set('enc_m_ev2', 100_000n);
  for (const [key, amountFen] of [
    ['rk_ev1', 10_000],
    ['rk_ev2', 39_700],
  ] as const) {
    const repayment = await repayBill(harness.context, {
      merchantId: 'm_ev2',
      billId,
      method: 'bank_card',
      amountFen: fen(amountFen),
      idempotencyKey: key,
      payer: null,
    });
    expect.equal(repayment.state, 'succeeded');
  }
  const bills = (await eventsOf('m_ev2'))
    .filter((row) => row.event_type.startsWith('bill.'))
    .map((row) => {
      const changed = BillChanged.decode(row.payload);
      return [row.event_type, changed.bill?.state, changed.bill?.outstandingFen, changed.repaidFen];
    });
  expect.deepEqual(bills, [
    ['bill.created', 'open', 49_700n, 0n],
    ['bill.repaid', 'open', 39_700n, 10_000n],
    ['bill.repaid', 'paid', 0n, 39_700n],
  ]);
  await harness.checkInvariants();
});

test('a change that rolls back publishes nothing; the committed one reaches the event log', async () => {
  harness.addMerchant('m_ev3', { t0Enabled: true, t0SingleLimitFen: fen(1_000) });
  const overLimit = (txnId: string) => harness.event('PURCHASE', txnId, 'm_ev3', 5_000);
  // The capture and its t0.fallback_t1 are written, then the transaction fails (as when a consumer
  // loses its partition lease before the commit) and rolls back.
  await expect.rejects(
    withTransaction(harness.pool, async (client) => {
      await applyTransactionEventsWithin(client, harness.context, [overLimit('txn_ev8')]);
      const written = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM outbox WHERE event_key = 'm_ev3'",
      );
      expect.equal(written.rows[0]?.n, 1, 'inside the transaction the fallback is in the outbox');
      throw new Error('partition lease lost before the commit');
    }),
    /partition lease lost/,
  );
  expect.deepEqual(await eventsOf('m_ev3'), [], 'the rolled-back capture left no event');
  await applyTransactionEvents(harness.context, [overLimit('txn_ev7')]);
  const busSchema = await harness.database.createSchema('settlement_events_bus');
  await ensurePostgresLog(harness.pool, busSchema);
  const relay = startOutboxRelay({
    pool: harness.pool,
    schema: harness.schema,
    publisher: createPostgresLogPublisher({ pool: harness.pool, busSchema }),
    batchSizeMax: 500,
    pollIntervalMs: 100,
  });
  try {
    for (let wait = 0; wait < 100 && (await outboxBacklog(harness.pool, harness.schema)).pendingCount > 0; wait += 1) {
      await sleep(50);
    }
    expect.equal((await outboxBacklog(harness.pool, harness.schema)).pendingCount, 0);
  } finally {
    await relay.stop();
  }
  const published = await harness.pool.query<{ event_type: string; payload: Buffer }>(
    `SELECT event_type, payload FROM ${busSchema}.event_log WHERE topic = $1 AND event_key = $2`,
    [SETTLEMENT_EVENTS_TOPIC, 'm_ev3'],
  );
  expect.deepEqual(
    published.rows.map((row) => [row.event_type, T0FallbackT1.decode(row.payload).txnId]),
    [['t0.fallback_t1', 'txn_ev7']],
  );
  await harness.checkInvariants();
});

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const key of keys) picked[key] = value[key];
  return picked;
}
