// Goal: retention deletes only what is safe to forget: finished inbox rows and log events past
// their windows, never unfinished inbox rows or recent events. Method: age rows by hand, purge, count.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import {
  buildEvent,
  busLimits,
  createPostgresLogPublisher,
  ensureBusTables,
  ensurePostgresLog,
  purgeInbox,
  subscribe,
} from '../src/index.ts';
import { recordingLogger, waitFor } from './helpers.ts';

let database: TestDatabase;

before(async () => {
  database = await testDatabase();
});
after(async () => {
  await database.close();
});

test('purgeInbox removes finished rows past retention and keeps unfinished or recent ones', async () => {
  const schema = await database.createSchema('retention');
  const pool = database.createPool(schema);
  await ensureBusTables(pool, schema);
  const rows = [
    { label: 'old processed', ageDays: 9, processed: true, deadLettered: false },
    { label: 'old dead-lettered', ageDays: 9, processed: false, deadLettered: true },
    { label: 'old unfinished', ageDays: 9, processed: false, deadLettered: false },
    { label: 'recent processed', ageDays: 1, processed: true, deadLettered: false },
  ];
  for (const row of rows) {
    const event = buildEvent({ topic: 'r.t', key: row.label, type: 't.T', payload: new Uint8Array(0) });
    await pool.query(
      `INSERT INTO inbox (consumer_group, event_id, topic, event_key, event_type, received_at, processed_at, dead_lettered_at)
       VALUES ('g', $1, 'r.t', $2, 't.T', now() - make_interval(days => $3),
               CASE WHEN $4 THEN now() END, CASE WHEN $5 THEN now() END)`,
      [event.id, row.label, row.ageDays, row.processed, row.deadLettered],
    );
  }
  assert.ok(busLimits.INBOX_RETENTION_MS < 9 * 24 * 3600 * 1000 && busLimits.INBOX_RETENTION_MS > 24 * 3600 * 1000);
  assert.equal(await purgeInbox(pool, schema), 2);
  const kept = await pool.query('SELECT event_key FROM inbox ORDER BY event_key');
  assert.deepEqual(
    kept.rows.map((row) => row.event_key),
    ['old unfinished', 'recent processed'],
  );
  await assert.rejects(purgeInbox(pool, schema, 0), { code: 'ASSERTION_FAILED' });
});

test('the Postgres log purges events older than its retention and keeps sequences intact', async () => {
  const busSchema = await database.createSchema('bus');
  const pool = database.createPool(busSchema);
  await ensurePostgresLog(pool, busSchema);
  const publisher = createPostgresLogPublisher({ pool, busSchema });
  const events = [1, 2, 3].map(() =>
    buildEvent({ topic: 'r.t', key: 'same-key', type: 't.T', payload: new Uint8Array(0) }),
  );
  await publisher.publish(events);
  await publisher.publish([buildEvent({ topic: 'r.t', key: 'same-key', type: 't.T', payload: new Uint8Array(0) })]);
  const sequences = await pool.query('SELECT sequence FROM event_log ORDER BY sequence');
  assert.deepEqual(
    sequences.rows.map((row) => row.sequence),
    [0n, 1n, 2n, 3n],
  );
  await pool.query("UPDATE event_log SET appended_at = now() - interval '8 days' WHERE sequence < 2");
  assert.equal(await publisher.purgeExpired(), 2);
  const remaining = await pool.query('SELECT sequence FROM event_log ORDER BY sequence');
  assert.deepEqual(
    remaining.rows.map((row) => row.sequence),
    [2n, 3n],
  );
  const head = await pool.query('SELECT next_sequence FROM partition_heads');
  assert.deepEqual(head.rows, [{ next_sequence: 4n }]);

  // A group that starts after the purge begins at the oldest retained event.
  const consumerSchema = await database.createSchema('late');
  const consumerPool = database.createPool(consumerSchema);
  await ensureBusTables(consumerPool, consumerSchema);
  const seen: string[] = [];
  const subscription = await subscribe({
    pool: consumerPool,
    schema: consumerSchema,
    group: 'late-group',
    topics: ['r.t'],
    backend: 'postgres',
    busSchema,
    retryCountMax: 3,
    pollIntervalMs: 50,
    logger: recordingLogger(),
    handler: async (event) => {
      seen.push(event.id);
    },
  });
  await waitFor('lag reaches zero', async () => (await subscription.lag()) === 0);
  await subscription.stop();
  assert.deepEqual(seen, [
    events[2]?.id,
    ...(await pool.query('SELECT event_id FROM event_log WHERE sequence = 3')).rows.map((row) => row.event_id),
  ]);
});
