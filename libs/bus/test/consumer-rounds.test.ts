// Goal: a Postgres-log consumer round serves every pending partition at once, lingers to gather
// events when asked, and a failing event holds back only its own partition.
// Method: a private Postgres log, one consumer worker, keys chosen to land in all eight partitions;
// count handler calls and compare the order each key was seen in.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import {
  type BusEvent,
  buildEvent,
  busLimits,
  createPostgresLogPublisher,
  ensureBusTables,
  ensurePostgresLog,
  partitionForKey,
  type SubscribeOptions,
  subscribe,
} from '../src/index.ts';
import { decodeSequence, encodeSequence, recordingLogger, waitFor } from './helpers.ts';

const TOPIC = 'rounds.t';
let database: TestDatabase;

before(async () => {
  database = await testDatabase();
});
after(async () => {
  await database.close();
});

/** One key per partition of the log, so events spread over all of them. */
function keyPerPartition(): string[] {
  const keys = new Map<number, string>();
  for (let index = 0; keys.size < busLimits.POSTGRES_LOG_PARTITION_COUNT; index += 1) {
    const key = `key-${index}`;
    const partition = partitionForKey(key, busLimits.POSTGRES_LOG_PARTITION_COUNT);
    if (!keys.has(partition)) keys.set(partition, key);
  }
  return [...keys.values()];
}

async function privateLog(name: string): Promise<{ pool: pg.Pool; schema: string; busSchema: string }> {
  const busSchema = await database.createSchema(`${name}_bus`);
  const schema = await database.createSchema(name);
  const pool = database.createPool(schema, { poolSizeMax: 6 });
  await ensurePostgresLog(pool, busSchema);
  await ensureBusTables(pool, schema);
  return { pool, schema, busSchema };
}

function eventsFor(keys: readonly string[], perKey: number, firstSequence = 0): BusEvent[] {
  const events: BusEvent[] = [];
  for (let round = 0; round < perKey; round += 1) {
    for (const [index, key] of keys.entries()) {
      const sequence = firstSequence + round * keys.length + index;
      events.push(buildEvent({ topic: TOPIC, key, type: 'rounds.T', payload: encodeSequence(sequence) }));
    }
  }
  return events;
}

function baseOptions(log: { pool: pg.Pool; schema: string; busSchema: string }, group: string) {
  return {
    pool: log.pool,
    schema: log.schema,
    busSchema: log.busSchema,
    group,
    topics: [TOPIC],
    backend: 'postgres',
    retryCountMax: 5,
    partitionWorkerCount: 1,
    logger: recordingLogger(),
  } satisfies Partial<SubscribeOptions>;
}

test('one round hands the pending events of every partition to the batch handler in one call', async () => {
  const log = await privateLog('rounds_all');
  const keys = keyPerPartition();
  const events = eventsFor(keys, 3);
  await createPostgresLogPublisher({ pool: log.pool, busSchema: log.busSchema }).publish(events);
  const calls: BusEvent[][] = [];
  const subscription = await subscribe({
    ...baseOptions(log, 'all-partitions'),
    batchSizeMax: 200,
    batchHandler: async (batch) => {
      calls.push([...batch]);
    },
  });
  await waitFor('all events consumed', async () => (await subscription.lag()) === 0);
  await subscription.stop();
  assert.equal(calls.length, 1, 'one round, one handler call');
  assert.equal(calls[0]?.length, events.length);
  for (const key of keys) {
    const seen: number[] = (calls[0] ?? [])
      .filter((event) => event.key === key)
      .map((event) => decodeSequence(event.payload));
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      `events of ${key} in publish order`,
    );
  }
});

test('with a linger, events appended one by one meanwhile are served by one round', async () => {
  const log = await privateLog('rounds_linger');
  const keys = keyPerPartition();
  const publisher = createPostgresLogPublisher({ pool: log.pool, busSchema: log.busSchema });
  const calls: number[] = [];
  const subscription = await subscribe({
    ...baseOptions(log, 'linger'),
    batchLingerMs: 150,
    batchHandler: async (batch) => {
      calls.push(batch.length);
    },
  });
  await sleep(100); // the worker is idle, waiting for a notification
  // Five appends, each with its own notification, well inside one linger.
  await Promise.all(eventsFor(keys.slice(0, 5), 1).map((event) => publisher.publish([event])));
  await waitFor('all events consumed', async () => (await subscription.lag()) === 0);
  await subscription.stop();
  assert.deepEqual(calls, [5], 'five notifications, one round');
});

test('a failing event holds back its own partition only; it is retried in order', async () => {
  const log = await privateLog('rounds_failure');
  const keys = keyPerPartition();
  const failingKey = keys[3] as string;
  const events = eventsFor(keys, 2);
  await createPostgresLogPublisher({ pool: log.pool, busSchema: log.busSchema }).publish(events);
  // Handlers write through the transaction client: a rolled-back attempt leaves no row.
  await log.pool.query(
    'CREATE TABLE seen (position serial PRIMARY KEY, event_key text NOT NULL, sequence int NOT NULL)',
  );
  let failuresLeft = 1;
  const subscription = await subscribe({
    ...baseOptions(log, 'failure'),
    pollIntervalMs: 50,
    handler: async (event, client) => {
      if (event.key === failingKey && failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('first attempt fails');
      }
      await client.query('INSERT INTO seen (event_key, sequence) VALUES ($1, $2)', [
        event.key,
        decodeSequence(event.payload),
      ]);
    },
  });
  await waitFor('all events consumed', async () => (await subscription.lag()) === 0);
  await subscription.stop();
  assert.equal(failuresLeft, 0);
  const seen = (
    await log.pool.query<{ event_key: string; sequence: number }>(
      'SELECT event_key, sequence FROM seen ORDER BY position',
    )
  ).rows.map((row) => ({ key: row.event_key, sequence: row.sequence }));
  assert.equal(seen.length, events.length, 'every event processed exactly once');
  for (const key of keys) {
    const sequences = seen.filter((entry) => entry.key === key).map((entry) => entry.sequence);
    assert.equal(sequences.length, 2);
    assert.ok((sequences[0] ?? 0) < (sequences[1] ?? 0), `events of ${key} in publish order`);
  }
  // The other partitions did not wait for the failing one's retry.
  const firstFailingIndex = seen.findIndex((entry) => entry.key === failingKey);
  assert.ok(firstFailingIndex > 0, 'other partitions were served before the retried one');
});

test('a round cut by the byte bound is followed at once by the next one, not by the poll', async () => {
  const log = await privateLog('rounds_bytes');
  const key = keyPerPartition()[0] as string;
  const payloadBytes = 200 * 1024;
  const eventCount = Math.ceil((2 * busLimits.CONSUMER_BATCH_BYTES_MAX) / payloadBytes) + 2;
  const events = Array.from({ length: eventCount }, () =>
    buildEvent({ topic: TOPIC, key, type: 'rounds.T', payload: new Uint8Array(payloadBytes) }),
  );
  const publisher = createPostgresLogPublisher({ pool: log.pool, busSchema: log.busSchema });
  for (let start = 0; start < events.length; start += 8) await publisher.publish(events.slice(start, start + 8));
  const batchSizes: number[] = [];
  const startedAtMs = Date.now();
  const subscription = await subscribe({
    ...baseOptions(log, 'bytes'),
    pollIntervalMs: busLimits.CONSUMER_POLL_INTERVAL_MS_MAX,
    batchHandler: async (batch) => {
      batchSizes.push(batch.length);
    },
  });
  await waitFor('all events consumed', async () => (await subscription.lag()) === 0);
  const elapsedMs = Date.now() - startedAtMs;
  await subscription.stop();
  assert.ok(batchSizes.length >= 3, `the byte bound cut the rounds (${batchSizes.join(', ')})`);
  assert.equal(
    batchSizes.reduce((sum, size) => sum + size, 0),
    eventCount,
  );
  assert.ok(elapsedMs < busLimits.CONSUMER_POLL_INTERVAL_MS_MAX, `no round waited for the poll (${elapsedMs} ms)`);
});
