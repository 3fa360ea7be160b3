/**
 * Settlement's consumer drain rate and lag, measured, not asserted. Publishes N authorization events
 * (approved purchases over M merchants, optionally some T0 merchants and voids) to the bus (a
 * private Postgres event log, or the librdkafka mock cluster with --kafka) and runs the real consumer
 * path: @acq/bus subscribe with settlement's batch handler, its batch size and partition workers.
 *   --mode backlog: publish all N first, then start the consumer; drain rate = N / time to lag 0.
 *   --mode paced:   publish at --rate events/s while the consumer runs; lag sampled every 250 ms,
 *                   drain time after the last publish.
 * Run: node bench/consumer-drain-bench.ts [--mode backlog|paced] [--events 100000] [--rate 4000]
 *        [--merchants 2000] [--t0-share 0] [--void-share 0] [--workers 4] [--kafka]
 */
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { assert } from '@acq/assert';
import {
  type BusEvent,
  buildEvent,
  createKafkaPublisher,
  createPostgresLogPublisher,
  type EventPublisher,
  ensurePostgresLog,
  subscribe,
} from '@acq/bus';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { AuthorizationEvent, CardKind, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { testKafka } from '@acq/testkit';
import { upsertMerchantProfile } from '../src/store/merchant-profile-store.ts';
import { CONSUMER_PARTITION_WORKER_COUNT, CONSUMER_RETRY_COUNT_MAX, EVENT_BATCH_SIZE_MAX } from '../src/limits.ts';
import { AUTHORIZATION_EVENTS_TOPIC, authorizationBatchHandler } from '../src/transport/event-handlers.ts';
import { createHarness } from '../test/support/harness.ts';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'backlog' },
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '4000' },
    merchants: { type: 'string', default: '2000' },
    't0-share': { type: 'string', default: '0' },
    'void-share': { type: 'string', default: '0' },
    workers: { type: 'string', default: String(CONSUMER_PARTITION_WORKER_COUNT) },
    kafka: { type: 'boolean', default: false },
  },
});
const MODE = args.mode === 'paced' ? 'paced' : 'backlog';
const EVENT_COUNT = Number(args.events);
const RATE_PER_SECOND = Number(args.rate);
const MERCHANT_COUNT = Number(args.merchants);
const T0_SHARE = Number(args['t0-share']);
const VOID_SHARE = Number(args['void-share']);
const PARTITION_WORKER_COUNT = Number(args.workers);
const KAFKA_PARTITION_COUNT = 8;
const PUBLISH_CHUNK_SIZE = 1_000;
const TICK_MS = 100;
/** Lag sampling; also the resolution of the drain time. */
const SAMPLE_INTERVAL_MS = 250;
const DRAIN_TIMEOUT_MS = 600_000;

const report = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const harness = await createHarness(new Date().toISOString());
const busSchema = await harness.database.createSchema('settlement_bench_bus');
const kafka = args.kafka
  ? await testKafka({ topics: [{ name: AUTHORIZATION_EVENTS_TOPIC, partitionCount: KAFKA_PARTITION_COUNT }] })
  : undefined;
const quiet = {
  info: () => undefined,
  warn: (fields: object, message: string) => console.error(message, fields),
  error: (fields: object, message: string) => console.error(message, fields),
};

let eventSequence = 0;
const purchases: { txnId: string; merchantId: string; amountFen: bigint }[] = [];

/** The next authorization event: a purchase, or (void share) a void of an earlier purchase of the same merchant. */
function nextEvent(): BusEvent {
  eventSequence += 1;
  const original = Math.random() < VOID_SHARE ? purchases.pop() : undefined;
  const merchantId = original?.merchantId ?? `m${eventSequence % MERCHANT_COUNT}`;
  const amountFen = original?.amountFen ?? BigInt(1_000 + (eventSequence % 9_000));
  const txnId = `auth_bench_${eventSequence}`;
  if (original === undefined) purchases.push({ txnId, merchantId, amountFen });
  const message = AuthorizationEvent.fromPartial({
    type:
      original === undefined
        ? TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED
        : TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED,
    kind: original === undefined ? TransactionKind.TRANSACTION_KIND_PURCHASE : TransactionKind.TRANSACTION_KIND_VOID,
    cardKind: CardKind.CARD_KIND_DEBIT,
    txnId,
    originalTxnId: original?.txnId ?? '',
    merchantId,
    merchantNumber: '898310058120001',
    terminalId: 'T0000001',
    amountFen,
    rrn: String(eventSequence).padStart(12, '0'),
    authCode: '123456',
    stan: String(eventSequence % 1_000_000).padStart(6, '0'),
    batchNumber: '000001',
    occurredAtMs: BigInt(Date.now()),
  });
  return buildEvent({
    topic: AUTHORIZATION_EVENTS_TOPIC,
    key: merchantId,
    type: 'acquirer.authorization.v1.AuthorizationEvent',
    payload: AuthorizationEvent.encode(message).finish(),
  });
}

async function publishCount(publisher: EventPublisher, count: number): Promise<void> {
  for (let published = 0; published < count; published += PUBLISH_CHUNK_SIZE) {
    const size = Math.min(PUBLISH_CHUNK_SIZE, count - published);
    await publisher.publish(Array.from({ length: size }, nextEvent));
  }
}

async function publishPaced(publisher: EventPublisher): Promise<number> {
  const perTick = Math.max(1, Math.round((RATE_PER_SECOND * TICK_MS) / 1000));
  const startedMs = performance.now();
  for (let tick = 0; eventSequence < EVENT_COUNT; tick += 1) {
    await publisher.publish(Array.from({ length: Math.min(perTick, EVENT_COUNT - eventSequence) }, nextEvent));
    const aheadMs = startedMs + (tick + 1) * TICK_MS - performance.now();
    if (aheadMs > 0) await sleep(aheadMs);
  }
  return performance.now() - startedMs;
}

function startConsumer() {
  return subscribe({
    pool: harness.pool,
    schema: harness.schema,
    group: 'settlement',
    topics: [AUTHORIZATION_EVENTS_TOPIC],
    retryCountMax: CONSUMER_RETRY_COUNT_MAX,
    batchSizeMax: EVENT_BATCH_SIZE_MAX,
    pollIntervalMs: 50,
    partitionWorkerCount: PARTITION_WORKER_COUNT,
    batchHandler: authorizationBatchHandler(harness.context),
    logger: quiet,
    ...(kafka === undefined ? { backend: 'postgres', busSchema } : { backend: 'kafka', brokers: kafka.brokers }),
  });
}

try {
  await ensurePostgresLog(harness.pool, busSchema);
  // Profiles are stored as a running service has them (merchant events); first-seen merchants would
  // each cost a call to the merchant service.
  for (let index = 0; index < MERCHANT_COUNT; index += 1) {
    await upsertMerchantProfile(
      harness.pool,
      harness.addMerchant(`m${index}`, { t0Enabled: index < MERCHANT_COUNT * T0_SHARE }),
    );
  }
  const publisher =
    kafka === undefined
      ? createPostgresLogPublisher({ pool: harness.pool, busSchema })
      : createKafkaPublisher({ brokers: kafka.brokers, clientId: 'settlement-bench' });
  const backend = kafka === undefined ? 'postgres log' : 'kafka mock cluster';
  report(
    `${MODE}: ${EVENT_COUNT} events, ${MERCHANT_COUNT} merchants (T0 share ${T0_SHARE}, void share ${VOID_SHARE}), ${backend}, ` +
      `batch ${EVENT_BATCH_SIZE_MAX}, ${PARTITION_WORKER_COUNT} partition workers, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(1)}`,
  );
  if (MODE === 'backlog') {
    const publishStartedMs = performance.now();
    await publishCount(publisher, EVENT_COUNT);
    report(
      `published ${EVENT_COUNT} in ${(performance.now() - publishStartedMs).toFixed(0)} ms (consumer not running)`,
    );
  }
  const cpuBefore = process.cpuUsage();
  const consumeStartedMs = performance.now();
  const subscription = await startConsumer();
  // One sampler: the maximum lag seen, and the moment the lag reaches zero after the last publish.
  let lagMax = 0;
  let lastPublishMs: number | undefined = MODE === 'backlog' ? consumeStartedMs : undefined;
  const drained = (async () => {
    for (;;) {
      const lag = await subscription.lag();
      lagMax = Math.max(lagMax, lag);
      if (lastPublishMs !== undefined && lag === 0) return performance.now();
      if (lastPublishMs !== undefined && performance.now() - lastPublishMs > DRAIN_TIMEOUT_MS) {
        throw new Error(`lag ${lag} after ${DRAIN_TIMEOUT_MS} ms`);
      }
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();
  let lagAtLastPublish = 0;
  if (MODE === 'paced') {
    const publishMs = await publishPaced(publisher);
    lastPublishMs = performance.now();
    lagAtLastPublish = await subscription.lag();
    report(
      `published ${EVENT_COUNT} in ${publishMs.toFixed(0)} ms = ${((EVENT_COUNT * 1000) / publishMs).toFixed(0)} events/s`,
    );
  }
  const doneMs = await drained;
  assert(lastPublishMs !== undefined, 'the drain is measured from the last publish');
  const cpu = process.cpuUsage(cpuBefore);
  await subscription.stop();
  await publisher.close();
  const drainSeconds = (doneMs - consumeStartedMs) / 1000;
  report(
    `consumed ${EVENT_COUNT} in ${drainSeconds.toFixed(1)} s = ${(EVENT_COUNT / drainSeconds).toFixed(0)} events/s; ` +
      `max lag ${lagMax}; lag at last publish ${lagAtLastPublish}; drained ${((doneMs - lastPublishMs) / 1000).toFixed(1)} s after the last publish; ` +
      `bench process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (system ${(cpu.system / 1e6).toFixed(1)} s); load ${loadavg()[0]?.toFixed(1)}`,
  );
  const counts = await harness.pool.query<{ transactions: number; payouts: number; dead: number }>(
    `SELECT (SELECT count(*) FROM transactions)::int AS transactions, (SELECT count(*) FROM payouts)::int AS payouts,
       (SELECT count(*) FROM dead_letter)::int AS dead`,
  );
  report(`rows: ${JSON.stringify(counts.rows[0])}`);
  await harness.checkInvariants();
} finally {
  await kafka?.stop();
  await harness.close();
}
