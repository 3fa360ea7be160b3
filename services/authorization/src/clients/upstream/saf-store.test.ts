// Goal: the SAF table's SQL claims due items once with backoff, completes, parks, reopens after a late approval, reports its depth and purges old acknowledged rows; method: the store functions against a real Postgres schema.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fen } from '@acq/money';
import {
  claimDueItems,
  insertReversal,
  markAcknowledged,
  markAttemptFailed,
  parkUnreadable,
  purgeAcknowledged,
  readQueueSnapshot,
  releaseUnsent,
  upsertLateReversal,
} from './saf-store.ts';
import { createSafDatabase, type SafDatabase, safRows } from './testing/saf-database.ts';
import type { UpstreamReversal } from './types.ts';

const retry = { retryIntervalMs: 1_000, retryIntervalMsMax: 8_000 };

function reversal(txnId: string, overrides: Partial<UpstreamReversal> = {}): UpstreamReversal {
  return {
    txnId,
    reason: 'timeout',
    kind: 'purchase',
    amountFen: fen(1_234n),
    networkStan: '000321',
    transmissionDateTime: '1122030000',
    terminalId: 'T0000001',
    merchantNumber: '898110054110001',
    acquirerInstitutionId: '48020000',
    posConditionCode: '00',
    ...overrides,
  };
}

describe('SAF store', () => {
  let db: SafDatabase;

  before(async () => {
    db = await createSafDatabase();
  });

  after(async () => {
    await db.database.close();
  });

  beforeEach(async () => {
    await db.sql.query('TRUNCATE upstream_saf_items');
  });

  it('claims a due item once, pushes its next attempt out exponentially and reads it back intact', async () => {
    assert.equal(await insertReversal(db.sql, reversal('auth_a', { rrn: '000000000001' })), true);
    const [item] = (await claimDueItems(db.sql, 10, retry)).items;
    assert.equal(item?.itemKind, 'reversal');
    assert.equal(item?.attemptCount, 1);
    assert.deepEqual(item?.itemKind === 'reversal' && item.reversal, reversal('auth_a', { rrn: '000000000001' }));
    assert.deepEqual(
      await claimDueItems(db.sql, 10, retry),
      { items: [], unreadable: [] },
      'not due again before its backoff',
    );
    const delays = await db.sql.query<{ delay_ms: number }>(
      `SELECT EXTRACT(EPOCH FROM next_attempt_at - updated_at)::float8 * 1000 AS delay_ms FROM upstream_saf_items`,
    );
    assert.equal(Math.round(delays.rows[0]?.delay_ms ?? 0), 1_000);
    await db.sql.query(`UPDATE upstream_saf_items SET next_attempt_at = now(), attempt_count = 10`);
    await claimDueItems(db.sql, 10, retry);
    const capped = await db.sql.query<{ delay_ms: number }>(
      `SELECT EXTRACT(EPOCH FROM next_attempt_at - updated_at)::float8 * 1000 AS delay_ms FROM upstream_saf_items`,
    );
    assert.equal(Math.round(capped.rows[0]?.delay_ms ?? 0), 8_000, 'backoff is capped');
  });

  it('respects the batch size and skips rows another replica has locked', async () => {
    for (const txnId of ['auth_1', 'auth_2', 'auth_3']) await insertReversal(db.sql, reversal(txnId));
    const locker = await db.sql.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM upstream_saf_items WHERE txn_id = 'auth_1' FOR UPDATE`);
      const claimed = (await claimDueItems(db.sql, 1, retry)).items;
      assert.equal(claimed.length, 1);
      assert.notEqual(claimed[0]?.itemKind === 'reversal' && claimed[0].reversal.txnId, 'auth_1');
      const rest = (await claimDueItems(db.sql, 10, retry)).items;
      assert.equal(rest.length, 1, 'the locked row is skipped, not waited for');
      await locker.query('ROLLBACK');
    } finally {
      locker.release();
    }
  });

  it('completes on acknowledgement, parks after the last attempt and gives back an unsent attempt', async () => {
    await insertReversal(db.sql, reversal('auth_ack'));
    await insertReversal(db.sql, reversal('auth_park'));
    await insertReversal(db.sql, reversal('auth_unsent'));
    const { items } = await claimDueItems(db.sql, 10, retry);
    const idOf = (txnId: string) => {
      const found = items.find((item) => item.itemKind === 'reversal' && item.reversal.txnId === txnId);
      assert.ok(found !== undefined);
      return found.safItemId;
    };
    assert.equal(await markAcknowledged(db.sql, idOf('auth_ack'), '25'), true);
    assert.equal(
      await markAttemptFailed(db.sql, idOf('auth_park'), { responseCode: '96', error: 'answered' }, 2),
      'pending',
    );
    await db.sql.query(`UPDATE upstream_saf_items SET attempt_count = 2 WHERE txn_id = 'auth_park'`);
    assert.equal(
      await markAttemptFailed(db.sql, idOf('auth_park'), { responseCode: undefined, error: 'timeout' }, 2),
      'parked',
    );
    await releaseUnsent(db.sql, idOf('auth_unsent'), 1);
    const rows = Object.fromEntries((await safRows(db.sql)).map((row) => [row.txn_id, row]));
    assert.equal(rows.auth_ack?.state, 'acknowledged');
    assert.equal(rows.auth_park?.state, 'parked');
    assert.equal(rows.auth_park?.last_response_code, '96', 'a timeout keeps the last network answer');
    assert.equal(rows.auth_unsent?.attempt_count, 0);
    const snapshot = await readQueueSnapshot(db.sql);
    assert.equal(snapshot.depth, 1);
    assert.equal(snapshot.parked, 1);
    assert.ok(snapshot.oldestAgeSeconds >= 0 && snapshot.oldestAgeSeconds < 60, 'age of the pending item');
    await db.sql.query('TRUNCATE upstream_saf_items');
    assert.deepEqual(await readQueueSnapshot(db.sql), { depth: 0, oldestAgeSeconds: 0, parked: 0 });
  });

  it('reopens an acknowledged reversal when a late approval arrives, and then accepts only 00', async () => {
    await insertReversal(db.sql, reversal('auth_late'));
    const [first] = (await claimDueItems(db.sql, 10, retry)).items;
    assert.ok(first !== undefined);
    await markAcknowledged(db.sql, first.safItemId, '25');
    const late = reversal('auth_late', { reason: 'late_response', rrn: '112200000009', authCode: '123456' });
    assert.equal(await upsertLateReversal(db.sql, late), true);
    const [again] = (await claimDueItems(db.sql, 10, retry)).items;
    assert.ok(again?.itemKind === 'reversal');
    assert.equal(again.reversal.authCode, '123456');
    assert.equal(again.reversal.reason, 'late_response');
    assert.equal(await markAcknowledged(db.sql, again.safItemId, '25'), false, '25 no longer proves the undo');
    assert.equal(await markAcknowledged(db.sql, again.safItemId, '00'), true);
    await db.sql.query(`UPDATE upstream_saf_items SET state = 'parked', parked_at = now(), acknowledged_at = NULL`);
    assert.equal(await upsertLateReversal(db.sql, late), false, 'a parked reversal is left to the operator');
  });

  it('reports a row whose payload cannot be read instead of failing the batch, and parks it', async () => {
    await insertReversal(db.sql, reversal('auth_good'));
    await insertReversal(db.sql, reversal('auth_bad'));
    await db.sql.query(`UPDATE upstream_saf_items SET payload = payload - 'networkStan' WHERE txn_id = 'auth_bad'`);
    const batch = await claimDueItems(db.sql, 10, retry);
    assert.equal(batch.items.length, 1);
    assert.equal(batch.unreadable.length, 1);
    assert.match(batch.unreadable[0]?.error ?? '', /networkStan/);
    await parkUnreadable(db.sql, batch.unreadable[0]?.safItemId ?? 0n, batch.unreadable[0]?.error ?? '');
    const bad = (await safRows(db.sql)).find((row) => row.txn_id === 'auth_bad');
    assert.equal(bad?.state, 'parked');
  });

  it('keeps one item per txnId and item kind', async () => {
    assert.equal(await insertReversal(db.sql, reversal('auth_once')), true);
    assert.equal(await insertReversal(db.sql, reversal('auth_once', { reason: 'terminal_reversal' })), false);
    assert.equal((await safRows(db.sql)).length, 1);
  });

  it('purges acknowledged items past the retention window only, in bounded batches', async () => {
    for (const txnId of ['auth_old_1', 'auth_old_2', 'auth_new', 'auth_pending'])
      await insertReversal(db.sql, reversal(txnId));
    await db.sql.query(
      `UPDATE upstream_saf_items SET state = 'acknowledged', acknowledged_at = now() - interval '40 days'
        WHERE txn_id LIKE 'auth_old_%'`,
    );
    await db.sql.query(
      `UPDATE upstream_saf_items SET state = 'acknowledged', acknowledged_at = now() WHERE txn_id = 'auth_new'`,
    );
    const retentionMs = 30 * 24 * 3_600_000;
    assert.equal(await purgeAcknowledged(db.sql, retentionMs, 1), 1);
    assert.equal(await purgeAcknowledged(db.sql, retentionMs, 10), 1);
    assert.equal(await purgeAcknowledged(db.sql, retentionMs, 10), 0);
    assert.deepEqual((await safRows(db.sql)).map((row) => row.txn_id).sort(), ['auth_new', 'auth_pending']);
  });
});
