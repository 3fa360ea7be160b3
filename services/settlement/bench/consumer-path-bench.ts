/**
 * Throughput of the consumer path, measured, not asserted: (1) enqueue, one insert per event inside
 * transactions of 200 events as the bus consumer runs its handler; (2) the appliers of all
 * partitions draining the queue in parallel (T1 merchants). Run: node bench/consumer-path-bench.ts [events] [merchants]
 */
import { withTransaction } from '@acq/db';
import { applyQueuedEvents, enqueueTransactionEvents, queueDepth } from '../src/flows/event-queue.ts';
import { APPLIER_PARTITION_COUNT } from '../src/limits.ts';
import { createHarness } from '../test/support/harness.ts';

const EVENT_COUNT = Number(process.argv[2] ?? 20_000);
const MERCHANT_COUNT = Number(process.argv[3] ?? 2_000);
const CONSUMER_BATCH = 200;

const harness = await createHarness(new Date().toISOString());
try {
  for (let index = 0; index < MERCHANT_COUNT; index += 1) harness.addMerchant(`m${index}`);
  const events = Array.from({ length: EVENT_COUNT }, (_, index) =>
    harness.event('PURCHASE', `txn_q_${index}`, `m${index % MERCHANT_COUNT}`, 1_000 + (index % 9_000)),
  );
  const enqueueStartedMs = performance.now();
  for (let start = 0; start < events.length; start += CONSUMER_BATCH) {
    await withTransaction(harness.pool, async (client) => {
      for (const event of events.slice(start, start + CONSUMER_BATCH)) await enqueueTransactionEvents(client, [event]);
    });
  }
  const enqueueMs = performance.now() - enqueueStartedMs;
  const applyStartedMs = performance.now();
  const appliers = Array.from({ length: APPLIER_PARTITION_COUNT }, async (_, partition) => {
    while ((await applyQueuedEvents(harness.context, partition)) > 0) {
      // Drain this partition.
    }
  });
  await Promise.all(appliers);
  const applyMs = performance.now() - applyStartedMs;
  const rate = (count: number, ms: number) => ((count * 1000) / ms).toFixed(0);
  process.stdout.write(
    `enqueue: ${EVENT_COUNT} events in ${enqueueMs.toFixed(0)} ms = ${rate(EVENT_COUNT, enqueueMs)} events/s\n`,
  );
  process.stdout.write(
    `apply (${APPLIER_PARTITION_COUNT} partitions, first-seen merchants included): ${rate(EVENT_COUNT, applyMs)} events/s\n`,
  );
  process.stdout.write(`left in queue: ${await queueDepth(harness.pool)}\n`);
  await harness.checkInvariants();
} finally {
  await harness.close();
}
