// Goal: authorization events from the bus are enqueued exactly once, applied in order per merchant in batches, and a poison event is dead-lettered without blocking its partition; method: protobuf events through the bus handler into the queue on real Postgres, appliers drained, invariants checked.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { withTransaction } from '@acq/db';
import { AuthorizationEvent, CardKind, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import type { BusEvent } from '@acq/bus';
import { merchantAccountId } from '../src/domain/accounts.ts';
import { applyQueuedEvents, queueDepth } from '../src/flows/event-queue.ts';
import { APPLIER_ATTEMPT_COUNT_MAX, APPLIER_PARTITION_COUNT } from '../src/limits.ts';
import { readAccounts } from '../src/store/ledger-store.ts';
import { authorizationEventHandler, transactionEventOf } from '../src/transport/event-handlers.ts';
import { createHarness, type Harness } from './support/harness.ts';

let harness: Harness;
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

async function drainQueue(): Promise<void> {
  for (let pass = 0; pass < 100 && (await queueDepth(harness.pool)) > 0; pass += 1) {
    for (let partition = 0; partition < APPLIER_PARTITION_COUNT; partition += 1) {
      await applyQueuedEvents(harness.context, partition).catch(() => 0);
    }
  }
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

test('enqueue once, apply in order, dead-letter a poison event', async () => {
  harness.addMerchant('m_q1');
  harness.addMerchant('m_q2');
  const handler = authorizationEventHandler();
  const purchase = busEvent({ txnId: 'auth_q1', merchantId: 'm_q1', amountFen: 10000n });
  const voidEvent = busEvent({
    type: TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED,
    kind: TransactionKind.TRANSACTION_KIND_VOID,
    txnId: 'auth_q1v',
    originalTxnId: 'auth_q1',
    merchantId: 'm_q1',
    amountFen: 10000n,
  });
  const poison = busEvent({
    type: TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED,
    kind: TransactionKind.TRANSACTION_KIND_VOID,
    txnId: 'auth_q2v',
    originalTxnId: 'auth_never_seen',
    merchantId: 'm_q2',
    amountFen: 500n,
  });
  const other = busEvent({ txnId: 'auth_q2', merchantId: 'm_q2', amountFen: 20000n });
  await withTransaction(harness.pool, async (client) => {
    for (const event of [purchase, voidEvent, poison, other, purchase]) await handler(event, client);
  });
  expect.equal(await queueDepth(harness.pool), 4, 'a redelivered event is queued once');
  await drainQueue();
  expect.equal(await queueDepth(harness.pool), 0);
  const dead = await harness.pool.query<{ event_id: string; error_text: string }>(
    'SELECT event_id, error_text FROM event_dead_letter',
  );
  expect.equal(dead.rows.length, 1);
  expect.equal(dead.rows[0]?.event_id, poison.id);
  expect.match(dead.rows[0]?.error_text ?? '', /not found/);
  const pendingQ1 = merchantAccountId('m_q1', 'pending');
  const pendingQ2 = merchantAccountId('m_q2', 'pending');
  const balances = await readAccounts(harness.pool, [pendingQ1, pendingQ2], 'no_lock');
  const q1 = balances.get(pendingQ1)?.totals;
  expect.equal((q1?.creditsPosted ?? 0n) - (q1?.debitsPosted ?? 0n), 0n, 'the void followed its purchase');
  const q2 = balances.get(pendingQ2)?.totals;
  expect.equal(
    (q2?.creditsPosted ?? 0n) - (q2?.debitsPosted ?? 0n),
    19880n,
    'the partition moved on past the poison event',
  );
  expect.ok(APPLIER_ATTEMPT_COUNT_MAX >= 2);
  await harness.checkInvariants();
});
