// Goal: the relay is a singleton per schema that hands over on stop, wakes on NOTIFY within
// milliseconds, survives publisher failures, and createBusFromEnv picks the backend from the env.
// Method: run relays against real Postgres with a recording publisher, and one full env-built bus.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { withTransaction } from '@acq/db';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import {
  type BusEvent,
  busLimits,
  createBusFromEnv,
  type EventPublisher,
  ensureBusTables,
  type OutboxRelay,
  outboxBacklog,
  startOutboxRelay,
  writeOutboxEvents,
} from '../src/index.ts';
import { decodeSequence, encodeSequence, recordingLogger, waitFor } from './helpers.ts';

let database: TestDatabase;
const relays: OutboxRelay[] = [];

before(async () => {
  database = await testDatabase();
});
after(async () => {
  // Stopping twice is harmless, and a failed assertion must not leave a relay keeping the process alive.
  await Promise.all(relays.map((relay) => relay.stop()));
  await database.close();
});

function started(relay: OutboxRelay): OutboxRelay {
  relays.push(relay);
  return relay;
}

function recordingPublisher(): EventPublisher & {
  published: BusEvent[];
  batchSizes: number[];
  publishedAtMs: number[];
  failuresLeft: number;
} {
  const publisher = {
    backend: 'postgres' as const,
    published: [] as BusEvent[],
    batchSizes: [] as number[],
    publishedAtMs: [] as number[],
    failuresLeft: 0,
    async publish(events: readonly BusEvent[]) {
      if (publisher.failuresLeft > 0) {
        publisher.failuresLeft--;
        throw Object.assign(new Error('broker unavailable'), { code: 'TEST_BROKER_DOWN' });
      }
      publisher.published.push(...events);
      publisher.batchSizes.push(events.length);
      for (const _ of events) publisher.publishedAtMs.push(performance.now());
    },
    purgeExpired: () => Promise.resolve(0),
    close: () => Promise.resolve(),
  };
  return publisher;
}

async function producerSchema(): Promise<{ schema: string; pool: pg.Pool }> {
  const schema = await database.createSchema('relay');
  const pool = database.createPool(schema);
  await ensureBusTables(pool, schema);
  return { schema, pool };
}

const write = (pool: pg.Pool, sequence: number) =>
  withTransaction(pool, (client) =>
    writeOutboxEvents(client, [{ topic: 'relay.test', key: 'k', type: 't.T', payload: encodeSequence(sequence) }]),
  );

test('only one relay per schema publishes; the standby takes over when it stops', async () => {
  const { schema, pool } = await producerSchema();
  const first = recordingPublisher();
  const second = recordingPublisher();
  const relayA = started(startOutboxRelay({ pool, schema, publisher: first, batchSizeMax: 10, pollIntervalMs: 50 }));
  await waitFor('relay A holds the lease', async () => {
    await write(pool, 0);
    return first.published.length > 0;
  });
  const relayB = started(startOutboxRelay({ pool, schema, publisher: second, batchSizeMax: 10, pollIntervalMs: 50 }));
  for (let sequence = 1; sequence <= 25; sequence++) await write(pool, sequence);
  await waitFor('outbox drained', async () => (await outboxBacklog(pool, schema)).pendingCount === 0);
  assert.equal(second.published.length, 0);
  assert.deepEqual(
    first.published.map((event) => decodeSequence(event.payload)).filter((sequence) => sequence > 0),
    Array.from({ length: 25 }, (_, index) => index + 1),
  );
  await relayA.stop();
  await write(pool, 26);
  await waitFor('relay B took over', async () => relayB.publishedCount === 1, 10_000);
  assert.equal(second.published.length, 1);
  assert.equal(decodeSequence((second.published[0] as BusEvent).payload), 26);
  await relayB.stop();
});

test('NOTIFY wakes the relay in milliseconds although the poll interval is seconds', async () => {
  const { schema, pool } = await producerSchema();
  const publisher = recordingPublisher();
  const relay = started(startOutboxRelay({ pool, schema, publisher, batchSizeMax: 100, pollIntervalMs: 5_000 }));
  await write(pool, 0);
  await waitFor('relay running', async () => publisher.published.length === 1, 10_000);
  const latenciesMs: number[] = [];
  for (let sequence = 1; sequence <= 20; sequence++) {
    const committedAtMs = performance.now();
    await write(pool, sequence);
    await waitFor('event published', async () => publisher.published.length === sequence + 1, 5_000);
    latenciesMs.push((publisher.publishedAtMs[sequence] as number) - committedAtMs);
  }
  latenciesMs.sort((a, b) => a - b);
  const medianMs = latenciesMs[10] as number;
  console.log(
    `outbox commit -> publish latency: median ${medianMs.toFixed(1)} ms, max ${latenciesMs.at(-1)?.toFixed(1)} ms`,
  );
  assert.ok(medianMs < 500, `median latency ${medianMs} ms must be far below the 5000 ms poll interval`);
  await relay.stop();
});

test('a failing publisher leaves events pending and the relay retries until they go out in order', async () => {
  const { schema, pool } = await producerSchema();
  const publisher = recordingPublisher();
  publisher.failuresLeft = 2;
  const logger = recordingLogger();
  for (let sequence = 1; sequence <= 3; sequence++) await write(pool, sequence);
  const relay = started(startOutboxRelay({ pool, schema, publisher, batchSizeMax: 2, pollIntervalMs: 50, logger }));
  await waitFor('events published after failures', async () => publisher.published.length === 3, 10_000);
  assert.deepEqual(
    publisher.published.map((event) => decodeSequence(event.payload)),
    [1, 2, 3],
  );
  const failures = logger.lines.filter((line) => line.message === 'outbox relay batch failed');
  assert.equal(failures.length, 2);
  assert.deepEqual(
    failures.map((line) => (line.fields as { errorCode?: string }).errorCode),
    ['TEST_BROKER_DOWN', 'TEST_BROKER_DOWN'],
  );
  assert.deepEqual(await outboxBacklog(pool, schema), { pendingCount: 0, oldestPendingAgeMs: 0 });
  await relay.stop();
});

test('the backlog reports an event pending for longer than an int4 of milliseconds (24.8 days)', async () => {
  const { schema, pool } = await producerSchema();
  const fortyDaysMs = 40 * 24 * 60 * 60 * 1000;
  await withTransaction(pool, (client) =>
    writeOutboxEvents(client, [
      {
        topic: 'relay.test',
        key: 'k',
        type: 't.T',
        payload: encodeSequence(1),
        occurredAt: new Date(Date.now() - fortyDaysMs),
      },
    ]),
  );
  const backlog = await outboxBacklog(pool, schema);
  assert.equal(backlog.pendingCount, 1);
  assert.ok(backlog.oldestPendingAgeMs >= fortyDaysMs && backlog.oldestPendingAgeMs < fortyDaysMs + 60_000);
});

test('startOutboxRelay refuses batch sizes and poll intervals outside the limits', async () => {
  const { schema, pool } = await producerSchema();
  const publisher = recordingPublisher();
  assert.throws(() => startOutboxRelay({ pool, schema, publisher, batchSizeMax: 0, pollIntervalMs: 50 }), {
    code: 'ASSERTION_FAILED',
  });
  assert.throws(() => startOutboxRelay({ pool, schema, publisher, batchSizeMax: 1_001, pollIntervalMs: 50 }), {
    code: 'ASSERTION_FAILED',
  });
  assert.throws(() => startOutboxRelay({ pool, schema, publisher, batchSizeMax: 10, pollIntervalMs: 5_001 }), {
    code: 'ASSERTION_FAILED',
  });
});

test('createBusFromEnv uses the Postgres log without KAFKA_BROKERS, Kafka with it, and refuses a bad list', async () => {
  const schema = await database.createSchema('envbus');
  const busSchema = await database.createSchema('bus');
  const pool = database.createPool(schema);
  const logger = recordingLogger();
  const bus = await createBusFromEnv({}, { pool, schema, clientId: 'env-test', busSchema, logger });
  try {
    assert.equal(bus.backend, 'postgres');
    await pool.query('CREATE TABLE seen (sequence int NOT NULL)');
    await bus.subscribe({
      group: 'env-group',
      topics: ['env.topic'],
      retryCountMax: 3,
      handler: async (event, client) => {
        await client.query('INSERT INTO seen VALUES ($1)', [decodeSequence(event.payload)]);
      },
    });
    bus.startRelay({ batchSizeMax: 100, pollIntervalMs: 100 });
    await withTransaction(pool, (client) =>
      writeOutboxEvents(client, [{ topic: 'env.topic', key: 'k', type: 't.T', payload: encodeSequence(7) }]),
    );
    await waitFor('event consumed', async () => (await pool.query('SELECT sequence FROM seen')).rows.length === 1);
  } finally {
    await bus.close();
  }

  const kafkaBus = await createBusFromEnv(
    { KAFKA_BROKERS: '127.0.0.1:1' },
    { pool, schema, clientId: 'env-test', logger },
  );
  assert.equal(kafkaBus.backend, 'kafka');
  assert.equal(kafkaBus.publisher.backend, 'kafka');
  await kafkaBus.close();
  await assert.rejects(createBusFromEnv({ KAFKA_BROKERS: 'no-port' }, { pool, schema, clientId: 'env-test' }), {
    code: 'BUS_INVALID_CONFIGURATION',
  });
});

test('relay batches are bounded by payload bytes as well as by count', async () => {
  const { schema, pool } = await producerSchema();
  const publisher = recordingPublisher();
  const payload = new Uint8Array(busLimits.EVENT_PAYLOAD_BYTES_MAX);
  await withTransaction(pool, (client) =>
    writeOutboxEvents(
      client,
      Array.from({ length: 7 }, () => ({ topic: 'relay.big', key: 'k', type: 't.T', payload })),
    ),
  );
  started(startOutboxRelay({ pool, schema, publisher, batchSizeMax: 100, pollIntervalMs: 50 }));
  await waitFor('all published', async () => publisher.published.length === 7, 10_000);
  const perBatch = Math.floor(busLimits.RELAY_BATCH_BYTES_MAX / busLimits.EVENT_PAYLOAD_BYTES_MAX);
  assert.equal(perBatch, 3);
  assert.deepEqual(publisher.batchSizes, [3, 3, 1]);
});
