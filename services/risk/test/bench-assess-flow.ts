import { createRig, purchaseInput } from './fixtures.ts';
import { assessTransaction } from '../src/flows/assess.ts';
import type { Fen } from '@acq/money';
const rig = await createRig();
const N = 20000,
  batch = 200;
const run = async (label: string) => {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < N; i += batch) {
    await Promise.all(
      Array.from({ length: batch }, (_, j) => {
        const input = purchaseInput({ amountFen: 100n as Fen, cardToken: `tok_${(i + j) % 5000}` });
        input.terminal.merchantId = `mch_${(i + j) % 2000}`;
        input.terminal.terminalId = `T${(i + j) % 2000}`;
        return assessTransaction(rig.deps, input, 5000);
      }),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t;
  console.log(
    label,
    'wall',
    ((N / ms) * 1000).toFixed(0),
    '/s; node CPU per assess',
    ((cpu.user + cpu.system) / N).toFixed(1),
    'us',
  );
};
await run('warm');
await run('measure');
await rig.close();
