// Goal: authorization events confirm and release reservations exactly once, whatever the order of
// direct calls and events; method: encoded AuthorizationEvent payloads applied to real Redis counters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthorizationEvent, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { applyAuthorizationEvents, type ReservationEffect } from '../src/flows/authorization-events.ts';
import type { RedisCounters } from '../src/store/redis-counters.ts';
import { assessTransaction } from '../src/flows/assess.ts';
import { createRig, purchaseInput, type TestRig } from './fixtures.ts';

let rig: TestRig;
before(async () => {
  rig = await createRig();
});
after(async () => rig.close());

async function applyAuthorizationEvent(counters: RedisCounters, event: Uint8Array): Promise<ReservationEffect> {
  const { effects } = await applyAuthorizationEvents(counters, [event]);
  assert.equal(effects.length, 1);
  return effects[0] as ReservationEffect;
}

function payload(fields: Partial<AuthorizationEvent>): Uint8Array {
  return AuthorizationEvent.encode(AuthorizationEvent.fromPartial(fields)).finish();
}

describe('authorization events', () => {
  it('releases a reversed approval once, even when the direct Release already ran', async () => {
    const input = purchaseInput();
    const approved = await assessTransaction(rig.deps, input, 200);
    const approvedEvent = payload({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED, txnId: input.txnId });
    assert.deepEqual(await applyAuthorizationEvent(rig.counters, approvedEvent), {
      kind: 'confirm',
      reservationId: approved.reservationId,
    });
    assert.equal(await rig.counters.release(approved.reservationId, 'reversed'), true);
    const reversed = payload({
      type: TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED,
      txnId: 'rev_1',
      originalTxnId: input.txnId,
    });
    await applyAuthorizationEvent(rig.counters, reversed);
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 0n, count: 0 });
  });

  it('releases on an upstream decline when the direct call was lost', async () => {
    const input = purchaseInput();
    await assessTransaction(rig.deps, input, 200);
    const declined = payload({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_DECLINED, txnId: input.txnId });
    const effect = await applyAuthorizationEvent(rig.counters, declined);
    assert.equal(effect.kind, 'release');
    await applyAuthorizationEvent(rig.counters, declined);
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 0n, count: 0 });
  });

  it('releases the original of a void and ignores events without ids', async () => {
    const input = purchaseInput();
    await assessTransaction(rig.deps, input, 200);
    const voided = payload({
      type: TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED,
      txnId: 'auth_void',
      originalTxnId: input.txnId,
    });
    assert.equal((await applyAuthorizationEvent(rig.counters, voided)).kind, 'release');
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 0n, count: 0 });
    const settled = payload({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_BATCH_SETTLED });
    assert.deepEqual(await applyAuthorizationEvent(rig.counters, settled), { kind: 'none' });
    const noOriginal = payload({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED, txnId: 'rev_2' });
    assert.deepEqual(await applyAuthorizationEvent(rig.counters, noOriginal), { kind: 'none' });
  });

  it('applies a consumer batch in order: an approval and its reversal in one batch leave no counters', async () => {
    const first = purchaseInput();
    const second = purchaseInput();
    await assessTransaction(rig.deps, first, 200);
    await assessTransaction(rig.deps, second, 200);
    const { effects, settled } = await applyAuthorizationEvents(rig.counters, [
      payload({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED, txnId: first.txnId }),
      payload({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED, txnId: second.txnId }),
      payload({ type: TransactionEventType.TRANSACTION_EVENT_TYPE_BATCH_SETTLED }),
      payload({
        type: TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED,
        txnId: 'rev_a',
        originalTxnId: first.txnId,
      }),
      payload({
        type: TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED,
        txnId: 'void_b',
        originalTxnId: second.txnId,
      }),
    ]);
    assert.deepEqual(
      effects.map((effect) => effect.kind),
      ['confirm', 'confirm', 'none', 'release', 'release'],
    );
    assert.deepEqual(settled, { confirmedCount: 2, releasedCount: 2 });
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 0n, count: 0 });
  });
});
