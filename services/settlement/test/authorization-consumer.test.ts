// Goal: authorization events are applied by settlement's bus batch handler exactly once, one handler call per batch, in
// each merchant's order; a poison event is isolated and dead-lettered with its reason while the rest of its batch is
// applied; a capture voided in the same batch is not paid T0; method: protobuf events through @acq/bus processEventBatch
// with settlement's batch handler on real Postgres, ledger invariants checked.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { type BatchEventHandler, type BusEvent, processEventBatch } from '@acq/bus';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { AuthorizationEvent, CardKind, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { merchantAccountId } from '../src/domain/accounts.ts';
import { readAccounts } from '../src/store/ledger-store.ts';
import { authorizationBatchHandler, transactionEventOf } from '../src/transport/event-handlers.ts';
import { createHarness, type Harness } from './support/harness.ts';

const RETRY_COUNT_MAX = 2;
let harness: Harness;
let handlerCalls: number[];
before(async () => {
  harness = await createHarness('2026-03-02T02:00:00Z');
});
after(async () => {
  await harness.close();
});

let sequence = 0;
function busEvent(fields: Partial<AuthorizationEvent>): BusEvent {
  sequence += 1;
  const message = AuthorizationEvent.fromPartial({
    type: TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED,
    kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
    cardKind: CardKind.CARD_KIND_DEBIT,
    merchantNumber: '898310058120001',
    terminalId: 'T0000001',
    rrn: String(sequence).padStart(12, '0'),
    authCode: '123456',
    stan: String(sequence).padStart(6, '0'),
    batchNumber: '000001',
    occurredAtMs: BigInt(harness.clock.nowMs()),
    ...fields,
  });
  return {
    id: `0190f7b2-0000-7000-8000-${String(sequence).padStart(12, '0')}`,
    topic: 'authorization.events',
    key: message.merchantId,
    type: 'acquirer.authorization.v1.TransactionApproved',
    payload: AuthorizationEvent.encode(message).finish(),
    headers: {},
    occurredAt: new Date(harness.clock.nowMs()),
  };
}

function voidOf(txnId: string, merchantId: string, amountFen: bigint): BusEvent {
  return busEvent({
    type: TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED,
    kind: TransactionKind.TRANSACTION_KIND_VOID,
    txnId: `${txnId}v`,
    originalTxnId: txnId,
    merchantId,
    amountFen,
  });
}

/** Settlement's batch handler, counting calls, as the consumer runs it (group `settlement`). */
function consume(events: readonly BusEvent[]) {
  const handler = authorizationBatchHandler(harness.context);
  const counted: BatchEventHandler = (batch, client) => {
    handlerCalls.push(batch.length);
    return handler(batch, client);
  };
  return processEventBatch(
    {
      pool: harness.pool,
      schema: harness.schema,
      group: 'settlement',
      retryCountMax: RETRY_COUNT_MAX,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      batchHandler: counted,
    },
    events,
  );
}

async function netCreditFen(merchantId: string, kind: 'pending' | 'available'): Promise<bigint> {
  const accountId = merchantAccountId(merchantId, kind);
  const totals = (await readAccounts(harness.pool, [accountId], 'no_lock')).get(accountId)?.totals;
  return (totals?.creditsPosted ?? 0n) - (totals?.debitsPosted ?? 0n);
}

test('money events map from protobuf; declines and batch totals are ignored', () => {
  const declined = AuthorizationEvent.fromPartial({
    type: TransactionEventType.TRANSACTION_EVENT_TYPE_DECLINED,
    amountFen: 100n,
  });
  expect.equal(transactionEventOf('e1', declined), undefined);
  const reversed = AuthorizationEvent.fromPartial({
    type: TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED,
    kind: TransactionKind.TRANSACTION_KIND_REVERSAL,
    txnId: 'rev_1',
    originalTxnId: 'auth_1',
    merchantId: 'm1',
    amountFen: 500n,
  });
  expect.equal(transactionEventOf('e2', reversed)?.kind, 'REVERSAL');
  expect.equal(transactionEventOf('e2', reversed)?.originalTxnId, 'auth_1');
  expect.equal(
    transactionEventOf('e2', reversed)?.cardKind,
    'credit',
    'unknown card kinds are priced at the credit rate',
  );
});

test('a batch is applied in one handler call; a redelivered batch changes nothing', async () => {
  handlerCalls = [];
  harness.addMerchant('m_b1');
  harness.addMerchant('m_b2');
  const declined = busEvent({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_DECLINED, merchantId: 'm_b1' });
  const batch = [
    busEvent({ txnId: 'auth_b1', merchantId: 'm_b1', amountFen: 10000n }),
    busEvent({ txnId: 'auth_b2', merchantId: 'm_b2', amountFen: 20000n }),
    voidOf('auth_b1', 'm_b1', 10000n),
    declined,
    busEvent({ txnId: 'auth_b3', merchantId: 'm_b1', amountFen: 30000n }),
  ];
  expect.deepEqual(await consume(batch), { completedCount: 5, retryAfterMs: undefined });
  expect.deepEqual(handlerCalls, [5]);
  // Fee 0.60 % of each purchase; the void returned auth_b1 whole.
  expect.equal(await netCreditFen('m_b1', 'pending'), 30000n - 180n);
  expect.equal(await netCreditFen('m_b2', 'pending'), 20000n - 120n);
  handlerCalls = [];
  const redelivered = [...batch, batch[1] as BusEvent];
  expect.deepEqual(await consume(redelivered), { completedCount: 6, retryAfterMs: undefined });
  expect.deepEqual(handlerCalls, [], 'every event is a duplicate: the handler is not called');
  expect.equal(await netCreditFen('m_b1', 'pending'), 30000n - 180n);
  const transactions = await harness.pool.query(
    "SELECT count(*)::int AS n FROM transactions WHERE txn_id LIKE 'auth_b%'",
  );
  expect.equal(transactions.rows[0].n, 4);
  await harness.checkInvariants();
});

test('a poison event is dead-lettered with its reason; its batch neighbours are applied in order', async () => {
  handlerCalls = [];
  harness.addMerchant('m_p1');
  harness.addMerchant('m_p2');
  const poison = voidOf('auth_never_seen', 'm_p2', 500n);
  const batch = [
    busEvent({ txnId: 'auth_p1', merchantId: 'm_p1', amountFen: 10000n }),
    busEvent({ txnId: 'auth_p2', merchantId: 'm_p2', amountFen: 20000n }),
    poison,
    busEvent({ txnId: 'auth_p3', merchantId: 'm_p2', amountFen: 5000n }),
    voidOf('auth_p1', 'm_p1', 10000n),
  ];
  const first = await consume(batch);
  expect.deepEqual(first.completedCount, 2, 'the events before the poison one are committed');
  expect.equal(await netCreditFen('m_p2', 'pending'), 20000n - 120n);
  // The same partition retries from the poison event until retryCountMax, then moves on.
  let remaining = batch.slice(first.completedCount);
  for (let attempt = 0; attempt < RETRY_COUNT_MAX && remaining.length > 0; attempt += 1) {
    const result = await consume(remaining);
    remaining = remaining.slice(result.completedCount);
  }
  expect.equal(remaining.length, 0);
  const dead = await harness.pool.query<{ event_id: string; reason: string }>(
    "SELECT event_id, reason FROM dead_letter WHERE consumer_group = 'settlement'",
  );
  expect.deepEqual(
    dead.rows.map((row) => row.event_id),
    [poison.id],
  );
  expect.match(
    dead.rows[0]?.reason ?? '',
    /handler failed 2 times: ORIGINAL_NOT_FOUND: original of auth_never_seenv not found/,
  );
  expect.equal(await netCreditFen('m_p1', 'pending'), 0n, 'the void after the poison event followed its purchase');
  expect.equal(await netCreditFen('m_p2', 'pending'), 20000n - 120n + 5000n - 30n);
  await harness.checkInvariants();
});

test('a T0 capture voided in the same batch is not paid out in real time', async () => {
  harness.addMerchant('m_t0', { t0Enabled: true });
  const batch = [
    busEvent({ txnId: 'auth_t1', merchantId: 'm_t0', amountFen: 10000n }),
    busEvent({ txnId: 'auth_t2', merchantId: 'm_t0', amountFen: 20000n }),
    voidOf('auth_t1', 'm_t0', 10000n),
  ];
  expect.deepEqual(await consume(batch), { completedCount: 3, retryAfterMs: undefined });
  const payouts = await harness.pool.query<{ txn_id: string; gross_fen: bigint }>(
    "SELECT txn_id, gross_fen FROM payouts WHERE merchant_id = 'm_t0' ORDER BY txn_id",
  );
  expect.deepEqual(payouts.rows, [{ txn_id: 'auth_t2', gross_fen: 20000n - 120n }]);
  await harness.checkInvariants();
});
