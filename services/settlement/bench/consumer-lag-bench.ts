/**
 * Consumer lag at a paced authorization rate, measured, not asserted: events are published to an
 * isolated Postgres event log at RATE_PER_SECOND for DURATION_SECONDS while the real bus consumer
 * (settlement's handler, enqueue) and the partition appliers run; lag = log events not yet consumed
 * + events queued but not yet posted, sampled every SAMPLE_INTERVAL_MS.
 * Run: node bench/consumer-lag-bench.ts [ratePerSecond] [durationSeconds] [merchants]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildEvent, createPostgresLogPublisher, ensureBusTables, ensurePostgresLog, subscribe } from '@acq/bus';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { AuthorizationEvent, CardKind, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { applyQueuedEvents, queueDepth } from '../src/flows/event-queue.ts';
import { APPLIER_PARTITION_COUNT, EVENT_BATCH_SIZE_MAX } from '../src/limits.ts';
import { AUTHORIZATION_EVENTS_TOPIC, authorizationEventHandler } from '../src/transport/event-handlers.ts';
import { createHarness } from '../test/support/harness.ts';

const RATE_PER_SECOND = Number(process.argv[2] ?? 4_000);
const DURATION_SECONDS = Number(process.argv[3] ?? 10);
const MERCHANT_COUNT = Number(process.argv[4] ?? 2_000);
const TICK_MS = 100;
const SAMPLE_INTERVAL_MS = 250;
const DRAIN_TIMEOUT_MS = 120_000;
const CONSUMER_PARTITION_WORKERS = Number(process.argv[5] ?? 4);

const harness = await createHarness(new Date().toISOString());
const busSchema = await harness.database.createSchema('settlement_bench_bus');
const quiet = {
  info: () => undefined,
  warn: () => undefined,
  error: (fields: object, message: string) => console.error(message, fields),
};
try {
  await ensurePostgresLog(harness.pool, busSchema);
  await ensureBusTables(harness.pool, harness.schema);
  for (let index = 0; index < MERCHANT_COUNT; index += 1) harness.addMerchant(`m${index}`);
  const publisher = createPostgresLogPublisher({ pool: harness.pool, busSchema });
  const subscription = await subscribe({
    pool: harness.pool,
    schema: harness.schema,
    busSchema,
    group: 'settlement-bench',
    topics: [AUTHORIZATION_EVENTS_TOPIC],
    backend: 'postgres',
    handler: authorizationEventHandler(),
    retryCountMax: 10,
    batchSizeMax: EVENT_BATCH_SIZE_MAX,
    pollIntervalMs: 50,
    partitionWorkerCount: CONSUMER_PARTITION_WORKERS,
    logger: quiet as never,
  });
  let running = true;
  const appliers = Array.from({ length: APPLIER_PARTITION_COUNT }, async (_, partition) => {
    while (running) {
      const applied = await applyQueuedEvents(harness.context, partition).catch(() => 0);
      if (applied === 0) await sleep(20);
    }
  });
  let lagMax = 0;
  const sampler = (async () => {
    while (running) {
      lagMax = Math.max(lagMax, (await subscription.lag()) + (await queueDepth(harness.pool)));
      await sleep(SAMPLE_INTERVAL_MS);
    }
  })();
  const perTick = Math.round((RATE_PER_SECOND * TICK_MS) / 1000);
  const startedMs = performance.now();
  let published = 0;
  for (let tick = 0; tick < (DURATION_SECONDS * 1000) / TICK_MS; tick += 1) {
    const events = Array.from({ length: perTick }, () => {
      published += 1;
      const merchantId = `m${published % MERCHANT_COUNT}`;
      const payload = AuthorizationEvent.encode(
        AuthorizationEvent.fromPartial({
          type: TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED,
          kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
          cardKind: CardKind.CARD_KIND_DEBIT,
          txnId: `auth_bench_${published}`,
          merchantId,
          merchantNumber: '898310058120001',
          terminalId: 'T0000001',
          amountFen: BigInt(1_000 + (published % 9_000)),
          rrn: String(published).padStart(12, '0'),
          occurredAtMs: BigInt(Date.now()),
        }),
      ).finish();
      return buildEvent({
        topic: AUTHORIZATION_EVENTS_TOPIC,
        key: merchantId,
        type: 'acquirer.authorization.v1.TransactionApproved',
        payload,
      });
    });
    await publisher.publish(events);
    const behindMs = startedMs + (tick + 1) * TICK_MS - performance.now();
    if (behindMs > 0) await sleep(behindMs);
  }
  const publishedMs = performance.now() - startedMs;
  const drainStartedMs = performance.now();
  while (performance.now() - drainStartedMs < DRAIN_TIMEOUT_MS) {
    if ((await subscription.lag()) + (await queueDepth(harness.pool)) === 0) break;
    await sleep(100);
  }
  const drainMs = performance.now() - drainStartedMs;
  running = false;
  await Promise.all([...appliers, sampler]);
  await subscription.stop();
  await publisher.close();
  const postedRows = await harness.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions');
  process.stdout.write(
    `published ${published} events in ${publishedMs.toFixed(0)} ms (${((published * 1000) / publishedMs).toFixed(0)}/s); ` +
      `max lag ${lagMax} events; drained ${drainMs.toFixed(0)} ms after the last publish; posted ${postedRows.rows[0]?.n}\n`,
  );
  await harness.checkInvariants();
} finally {
  await harness.close();
}
