// Measures the bus on this machine: outbox write rate (1 event per business transaction, 8
// concurrent writers), relay drain rate into the Postgres log (or Kafka with --kafka), and consumer
// rate through the inbox (2 replicas; one insert per event, then a batch handler with one multi-row
// insert per batch). Run: npm run bench [-- --kafka]
import { withTransaction } from '@acq/db';
import { testDatabase, testKafka } from '@acq/testkit';
import {
  createKafkaPublisher,
  createPostgresLogPublisher,
  ensureBusTables,
  ensurePostgresLog,
  outboxBacklog,
  startOutboxRelay,
  type SubscribeOptions,
  subscribe,
  writeOutboxEvents,
} from '../src/index.ts';

const EVENT_COUNT = 20_000;
const WRITER_COUNT = 8;
const KEY_COUNT = 500;
const PAYLOAD = new Uint8Array(200);
const useKafka = process.argv.includes('--kafka');

const database = await testDatabase();
const producerSchema = await database.createSchema('bench_producer');
const consumerSchema = await database.createSchema('bench_consumer');
const busSchema = await database.createSchema('bench_bus');
const producerPool = database.createPool(producerSchema, { poolSizeMax: 10 });
const consumerPool = database.createPool(consumerSchema, { poolSizeMax: 10 });
await ensureBusTables(producerPool, producerSchema);
await ensureBusTables(consumerPool, consumerSchema);
await ensurePostgresLog(producerPool, busSchema);
await consumerPool.query('CREATE TABLE applied (event_id uuid NOT NULL, amount_fen bigint NOT NULL)');
const kafka = useKafka ? await testKafka({ topics: [{ name: 'bench.events', partitionCount: 8 }] }) : undefined;

/** Bench output goes to stdout directly: it is the product of this script, not logging. */
const report = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const rate = (count: number, startedMs: number) => Math.round((count * 1000) / (performance.now() - startedMs));

/** Writes `count` events with WRITER_COUNT concurrent writers, `perTransaction` events per commit. */
async function writeEvents(count: number, perTransaction: number): Promise<number> {
  const startedMs = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITER_COUNT }, async () => {
      while (next < count) {
        const first = next;
        next += perTransaction;
        const inputs = Array.from({ length: Math.min(perTransaction, count - first) }, (_, offset) => ({
          topic: 'bench.events',
          key: `mch_${(first + offset) % KEY_COUNT}`,
          type: 'bench.Event',
          payload: PAYLOAD,
        }));
        await withTransaction(producerPool, (client) => writeOutboxEvents(client, inputs));
      }
    }),
  );
  return rate(count, startedMs);
}

const SINGLE_EVENT_COUNT = 4_000;
report(
  `outbox writes: ${await writeEvents(SINGLE_EVENT_COUNT, 1)} events/s (1 event per transaction, ${WRITER_COUNT} writers)`,
);
report(
  `outbox writes: ${await writeEvents(EVENT_COUNT - SINGLE_EVENT_COUNT, 20)} events/s (20 events per transaction, ${WRITER_COUNT} writers)`,
);

let startedMs = performance.now();
const publisher = kafka
  ? createKafkaPublisher({ brokers: kafka.brokers, clientId: 'bench' })
  : createPostgresLogPublisher({ pool: producerPool, busSchema });
startedMs = performance.now();
const relay = startOutboxRelay({
  pool: producerPool,
  schema: producerSchema,
  publisher,
  batchSizeMax: 1_000,
  pollIntervalMs: 100,
});
while ((await outboxBacklog(producerPool, producerSchema)).pendingCount > 0)
  await new Promise((resolve) => setTimeout(resolve, 20));
report(
  `relay drain to ${kafka ? 'Kafka (mock cluster)' : 'Postgres log'}: ${rate(EVENT_COUNT, startedMs)} events/s (batch 1000)`,
);
await relay.stop();

type Handling = Pick<SubscribeOptions, 'handler' | 'batchHandler'>;
const perEvent: Handling = {
  handler: async (event, client) => {
    await client.query('INSERT INTO applied (event_id, amount_fen) VALUES ($1, $2)', [event.id, 100n]);
  },
};
const perBatch: Handling = {
  batchHandler: async (events, client) => {
    await client.query('INSERT INTO applied (event_id, amount_fen) SELECT unnest($1::uuid[]), 100', [
      events.map((event) => event.id),
    ]);
  },
};

/** Every published event through a fresh consumer group (2 replicas), then the events/s. */
async function consumeAll(group: string, handling: Handling): Promise<number> {
  await consumerPool.query('TRUNCATE applied');
  const startedMs = performance.now();
  const replicas = await Promise.all(
    [1, 2].map(() =>
      subscribe({
        pool: consumerPool,
        schema: consumerSchema,
        group,
        topics: ['bench.events'],
        backend: kafka ? 'kafka' : 'postgres',
        ...(kafka ? { brokers: kafka.brokers } : {}),
        busSchema,
        retryCountMax: 5,
        batchSizeMax: 500,
        partitionWorkerCount: 2,
        ...handling,
      }),
    ),
  );
  while ((await consumerPool.query('SELECT count(*)::int AS n FROM applied')).rows[0].n < EVENT_COUNT) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const eventsPerSecond = rate(EVENT_COUNT, startedMs);
  await Promise.all(replicas.map((replica) => replica.stop()));
  return eventsPerSecond;
}

report(
  `consumers (2 replicas, inbox + one insert per event): ${await consumeAll('bench-per-event', perEvent)} events/s`,
);
report(
  `consumers (2 replicas, inbox + batch handler, one multi-row insert per batch): ${await consumeAll('bench-batch', perBatch)} events/s`,
);
await publisher.close();
await kafka?.stop();
await database.close();
