/**
 * Throughput of event application (the consumer's work per authorization event), measured, not
 * asserted: N approved purchases over M merchants applied in batches of EVENT_BATCH_SIZE_MAX, once
 * for T1 merchants and once for T0 merchants (capture + T0 payout creation), on a fresh schema.
 * Run: node bench/apply-events-bench.ts [events] [merchants]
 */
import { fen } from '@acq/money';
import type { TransactionEvent } from '../src/domain/settlement-events.ts';
import { applyTransactionEvents } from '../src/flows/apply-transaction-events.ts';
import { EVENT_BATCH_SIZE_MAX } from '../src/limits.ts';
import { createHarness } from '../test/support/harness.ts';

const EVENT_COUNT = Number(process.argv[2] ?? 20_000);
const MERCHANT_COUNT = Number(process.argv[3] ?? 2_000);

async function measure(label: string, t0Enabled: boolean): Promise<void> {
  const harness = await createHarness(new Date().toISOString());
  try {
    for (let index = 0; index < MERCHANT_COUNT; index += 1)
      harness.addMerchant(`m${index}`, { t0Enabled, t0DailyQuotaFen: fen(1_000_000_000) });
    const events: TransactionEvent[] = [];
    for (let index = 0; index < EVENT_COUNT; index += 1) {
      events.push(
        harness.event('PURCHASE', `txn_${label}_${index}`, `m${index % MERCHANT_COUNT}`, 1_000 + (index % 9_000)),
      );
    }
    // Profiles are fetched once per merchant; warm them outside the measurement as a running service would have.
    for (let start = 0; start < MERCHANT_COUNT; start += EVENT_BATCH_SIZE_MAX) {
      await applyTransactionEvents(harness.context, events.slice(start, start + EVENT_BATCH_SIZE_MAX));
    }
    const measured = events.slice(MERCHANT_COUNT);
    const startedMs = performance.now();
    for (let start = 0; start < measured.length; start += EVENT_BATCH_SIZE_MAX) {
      await applyTransactionEvents(harness.context, measured.slice(start, start + EVENT_BATCH_SIZE_MAX));
    }
    const elapsedMs = performance.now() - startedMs;
    process.stdout.write(
      `${label}: ${measured.length} events in ${elapsedMs.toFixed(0)} ms = ${((measured.length * 1000) / elapsedMs).toFixed(0)} events/s\n`,
    );
    await harness.checkInvariants();
  } finally {
    await harness.close();
  }
}

await measure('t1', false);
await measure('t0', true);
