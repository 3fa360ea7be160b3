/**
 * Benchmark of the Assess flow in-process against the real Redis: node CPU per Assess and flow
 * throughput with 200 requests in flight (auto-pipelined scripts). No gRPC: this isolates risk's
 * own cost. Run: `node test/bench-assess-flow.ts` in services/risk.
 */
import type { Fen } from '@acq/money';
import { assessTransaction } from '../src/flows/assess.ts';
import { createRig, purchaseInput } from './fixtures.ts';

const REQUEST_COUNT = 20_000;
const IN_FLIGHT = 200;
const MERCHANT_COUNT = 2_000;
const CARD_COUNT = 5_000;

const rig = await createRig();

async function run(label: string): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  for (let offset = 0; offset < REQUEST_COUNT; offset += IN_FLIGHT) {
    const inputs = Array.from({ length: IN_FLIGHT }, (_unused, index) => {
      const sequence = offset + index;
      const input = purchaseInput({ amountFen: 100n as Fen, cardToken: `tok_${sequence % CARD_COUNT}` });
      input.terminal.merchantId = `mch_${sequence % MERCHANT_COUNT}`;
      input.terminal.terminalId = `T${sequence % MERCHANT_COUNT}`;
      return input;
    });
    await Promise.all(inputs.map((input) => assessTransaction(rig.deps, input, 5_000)));
  }
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - startedAt;
  const perSecond = (REQUEST_COUNT / elapsedMs) * 1000;
  const cpuMicros = (cpu.user + cpu.system) / REQUEST_COUNT;
  console.log(`${label}: ${perSecond.toFixed(0)} assess/s, node CPU ${cpuMicros.toFixed(1)} us per assess`);
}

try {
  await run('warm-up');
  await run('measured');
} finally {
  await rig.close();
}
