// Shared contract for both bus backends (Postgres log and Kafka) and both handler kinds (one call
// per event, or one batch handler call with a multi-row insert per batch): rolled-back events are
// never delivered, committed events survive a relay SIGKILLed mid-batch, consumers see per-key
// order, and failing events are retried in order and then dead-lettered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTransaction } from '@acq/db';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import {
  type BusEvent,
  type EventHandlers,
  type EventPublisher,
  ensureBusTables,
  type OutboxRelay,
  outboxBacklog,
  type Subscription,
  type SubscribeOptions,
  startOutboxRelay,
  subscribe,
  writeOutboxEvents,
} from '../src/index.ts';
import {
  decodeSequence,
  encodeSequence,
  killWithSigkill,
  recordingLogger,
  startRelayChildUntilFirstPublish,
  waitFor,
} from './helpers.ts';

export const CONTRACT_TOPICS = ['contract.rollback', 'contract.crash', 'contract.retry'] as const;

export interface BackendUnderTest {
  publisher(pool: pg.Pool): EventPublisher;
  subscribeOptions: Pick<SubscribeOptions, 'backend'> & Partial<SubscribeOptions>;
  relayChildEnv: Record<string, string>;
  /** How many copies of events the broker holds for a topic (counts re-published duplicates). */
  storedEventCount(topic: string): Promise<number>;
  tearDown(): Promise<void>;
}

/** How the contract's consumers take events: one handler call per event, or one per batch. */
export type HandlerKind = 'per-event' | 'batch';

/** Checks one event (throwing to refuse it) and returns the sequence to record. */
type EventCheck = (event: BusEvent) => number;

const recordSequence: EventCheck = (event) => decodeSequence(event.payload);

/**
 * The consumer's handlers for a check: per event, one insert per event; as a batch, every event is
 * checked first and all are recorded with one multi-row insert, the way a batch consumer works.
 */
function handlersFor(kind: HandlerKind, check: EventCheck): EventHandlers {
  const insertSql = `INSERT INTO received (event_id, event_key, sequence)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[])`;
  const insert = (client: pg.PoolClient, events: readonly BusEvent[], sequences: number[]) =>
    client.query(insertSql, [events.map((event) => event.id), events.map((event) => event.key), sequences]);
  if (kind === 'per-event') {
    return {
      handler: async (event, client) => {
        await insert(client, [event], [check(event)]);
      },
    };
  }
  return {
    batchHandler: async (events, client) => {
      await insert(client, events, events.map(check));
    },
  };
}

interface ReceivedRow {
  event_key: string;
  sequence: number;
  event_id: string;
}

export function defineBusContract(
  name: string,
  handlerKind: HandlerKind,
  setUp: (database: TestDatabase) => Promise<BackendUnderTest>,
): void {
  describe(`bus contract: ${name}, ${handlerKind} handler`, () => {
    let database: TestDatabase;
    let backend: BackendUnderTest;
    const stoppers: (() => Promise<void>)[] = [];

    before(async () => {
      database = await testDatabase();
      backend = await setUp(database);
    });
    after(async () => {
      for (const stop of stoppers.reverse()) await stop();
      await backend.tearDown();
      await database.close();
    });

    async function serviceSchema(prefix: string): Promise<{ schema: string; pool: pg.Pool }> {
      const schema = await database.createSchema(prefix);
      const pool = database.createPool(schema, { poolSizeMax: 8 });
      await ensureBusTables(pool, schema);
      await pool.query(
        'CREATE TABLE received (id bigserial PRIMARY KEY, event_id uuid NOT NULL, event_key text NOT NULL, sequence int NOT NULL)',
      );
      return { schema, pool };
    }

    function startRelay(pool: pg.Pool, schema: string, batchSizeMax = 100): OutboxRelay {
      const relay = startOutboxRelay({
        pool,
        schema,
        publisher: backend.publisher(pool),
        batchSizeMax,
        pollIntervalMs: 200,
      });
      stoppers.push(() => relay.stop());
      return relay;
    }

    async function startConsumer(
      consumer: { schema: string; pool: pg.Pool },
      topic: string,
      options: {
        group?: string;
        check?: EventCheck;
        retryCountMax?: number;
        logger?: ReturnType<typeof recordingLogger>;
      } = {},
    ): Promise<Subscription> {
      const subscription = await subscribe({
        ...backend.subscribeOptions,
        pool: consumer.pool,
        schema: consumer.schema,
        group: options.group ?? `${consumer.schema}-group`,
        topics: [topic],
        ...handlersFor(handlerKind, options.check ?? recordSequence),
        retryCountMax: options.retryCountMax ?? 5,
        logger: options.logger ?? recordingLogger(),
        batchSizeMax: 50,
        pollIntervalMs: 200,
      });
      stoppers.push(() => subscription.stop());
      return subscription;
    }

    async function receivedRows(pool: pg.Pool): Promise<ReceivedRow[]> {
      const result = await pool.query<ReceivedRow>('SELECT event_id, event_key, sequence FROM received ORDER BY id');
      return result.rows;
    }

    test('an event written in a rolled-back transaction is never delivered; committed ones are', async () => {
      const topic = 'contract.rollback';
      const producer = await serviceSchema('producer');
      const consumer = await serviceSchema('consumer');
      const write = (sequence: number) => (client: pg.PoolClient) =>
        writeOutboxEvents(client, [
          { topic, key: 'merchant-1', type: 'test.Sequenced', payload: encodeSequence(sequence) },
        ]);
      await withTransaction(producer.pool, write(1));
      await assert.rejects(
        withTransaction(producer.pool, async (client) => {
          await write(2)(client);
          throw new Error('business rule refused the change');
        }),
        /business rule refused/,
      );
      await withTransaction(producer.pool, write(3));
      startRelay(producer.pool, producer.schema);
      await waitFor(
        'outbox drained',
        async () => (await outboxBacklog(producer.pool, producer.schema)).pendingCount === 0,
      );
      assert.equal(await backend.storedEventCount(topic), 2);
      const subscription = await startConsumer(consumer, topic);
      await waitFor('two events received', async () => (await receivedRows(consumer.pool)).length >= 2);
      await waitFor('lag reaches zero', async () => (await subscription.lag()) === 0);
      const rows = await receivedRows(consumer.pool);
      assert.deepEqual(
        rows.map((row) => row.sequence),
        [1, 3],
      );
      const outboxCount = await producer.pool.query('SELECT count(*)::int AS n FROM outbox');
      assert.equal(outboxCount.rows[0].n, 2);
    });

    test('a relay SIGKILLed mid-batch loses nothing, and every key is consumed in order', async () => {
      const topic = 'contract.crash';
      const keyCount = 12;
      const eventsPerKey = 50;
      const producer = await serviceSchema('producer');
      const consumer = await serviceSchema('consumer');
      for (let sequence = 1; sequence <= eventsPerKey; sequence++) {
        await withTransaction(producer.pool, (client) =>
          writeOutboxEvents(
            client,
            Array.from({ length: keyCount }, (_, keyIndex) => ({
              topic,
              key: `merchant-${keyIndex}`,
              type: 'test.Sequenced',
              payload: encodeSequence(sequence),
            })),
          ),
        );
      }
      const totalCount = keyCount * eventsPerKey;
      const child = await startRelayChildUntilFirstPublish({
        ...backend.relayChildEnv,
        DATABASE_URL: database.url,
        RELAY_SCHEMA: producer.schema,
        RELAY_BATCH_SIZE: '100',
        RELAY_STALL_AFTER_PUBLISH_MS: '60000',
      });
      await killWithSigkill(child);
      // The killed relay published a batch but never marked it: every row is still pending.
      assert.equal((await outboxBacklog(producer.pool, producer.schema)).pendingCount, totalCount);
      assert.equal(await backend.storedEventCount(topic), 100);

      const group = `${consumer.schema}-group`;
      const loggers = [recordingLogger(), recordingLogger()];
      const replicas: Subscription[] = [];
      for (const logger of loggers) replicas.push(await startConsumer(consumer, topic, { group, logger }));
      startRelay(producer.pool, producer.schema);
      await waitFor(
        'every event received',
        async () => (await receivedRows(consumer.pool)).length >= totalCount,
        60_000,
      );
      await waitFor('lag reaches zero', async () => (await replicas[0]?.lag()) === 0, 30_000);

      // The first batch went out twice; the inbox turned the duplicates into no-ops.
      assert.equal(await backend.storedEventCount(topic), totalCount + 100);
      const rows = await receivedRows(consumer.pool);
      assert.equal(rows.length, totalCount);
      assert.equal(new Set(rows.map((row) => row.event_id)).size, totalCount);
      const sequencesByKey = new Map<string, number[]>();
      for (const row of rows)
        sequencesByKey.set(row.event_key, [...(sequencesByKey.get(row.event_key) ?? []), row.sequence]);
      assert.equal(sequencesByKey.size, keyCount);
      const expected = Array.from({ length: eventsPerKey }, (_, index) => index + 1);
      for (const [key, sequences] of sequencesByKey) assert.deepEqual(sequences, expected, `order of ${key}`);
      const duplicateCount = loggers
        .flatMap((logger) => logger.lines)
        .filter((line) => line.message === 'skipped duplicate events')
        .reduce((sum, line) => sum + (line.fields as { duplicateCount: number }).duplicateCount, 0);
      // At least the re-published batch; Kafka rebalances between the replicas may redeliver more.
      assert.ok(duplicateCount >= 100, `duplicates skipped: ${duplicateCount}`);
    });

    test('a failing event is retried in order, then dead-lettered after retryCountMax', async () => {
      const topic = 'contract.retry';
      const producer = await serviceSchema('producer');
      const consumer = await serviceSchema('consumer');
      const events = [1, 2, 3, 4, 5].flatMap((sequence) => [
        { topic, key: 'poison-key', type: 'test.Sequenced', payload: encodeSequence(sequence) },
        { topic, key: 'flaky-key', type: 'test.Sequenced', payload: encodeSequence(sequence) },
      ]);
      await withTransaction(producer.pool, (client) => writeOutboxEvents(client, events));
      let flakyFailuresLeft = 2;
      const check: EventCheck = (event) => {
        const sequence = decodeSequence(event.payload);
        if (event.key === 'poison-key' && sequence === 3)
          throw Object.assign(new Error('cannot apply event'), { code: 'TEST_POISON' });
        if (event.key === 'flaky-key' && sequence === 2 && flakyFailuresLeft > 0) {
          flakyFailuresLeft--;
          throw new Error('dependency briefly unavailable');
        }
        return sequence;
      };
      const logger = recordingLogger();
      await startConsumer(consumer, topic, { check, retryCountMax: 3, logger });
      startRelay(producer.pool, producer.schema);
      await waitFor(
        'all but the poison event received',
        async () => (await receivedRows(consumer.pool)).length >= 9,
        30_000,
      );
      const rows = await receivedRows(consumer.pool);
      const sequencesOf = (key: string) => rows.filter((row) => row.event_key === key).map((row) => row.sequence);
      assert.deepEqual(sequencesOf('poison-key'), [1, 2, 4, 5]);
      assert.deepEqual(sequencesOf('flaky-key'), [1, 2, 3, 4, 5]);
      assert.equal(flakyFailuresLeft, 0);
      const deadLetters = await consumer.pool.query(
        'SELECT event_key, reason, failed_attempts, started_attempts, payload FROM dead_letter',
      );
      assert.equal(deadLetters.rows.length, 1);
      const deadLetter = deadLetters.rows[0];
      assert.equal(deadLetter.event_key, 'poison-key');
      assert.equal(deadLetter.failed_attempts, 3);
      assert.equal(deadLetter.started_attempts, 3);
      assert.equal(deadLetter.reason, 'handler failed 3 times: TEST_POISON: cannot apply event');
      assert.equal(decodeSequence(deadLetter.payload), 3);
      assert.ok(logger.lines.some((line) => line.level === 'error' && line.message === 'event moved to dead letter'));
    });
  });
}
