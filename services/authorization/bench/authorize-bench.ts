/**
 * Measures approved purchases per second and latency through the real pipeline and store (two group
 * commits per purchase, outbox in the same transaction) with instant fake merchant/risk/network
 * ports, so the figure is this service's own cost.
 * Closed loop: node bench/authorize-bench.ts [count] [concurrency]
 * Open loop at a fixed arrival rate: node bench/authorize-bench.ts [count] 0 [ratePerSecond]
 */
import { fen } from '@acq/money';
import { authorizeTransaction } from '../src/flows/authorize/authorize-transaction.ts';
import { TransactionIdentities } from '../src/flows/transaction-identity.ts';
import { authorizationDatabase } from '../test/support/authorization-database.ts';
import { fakes, flowDependencies, terminalContext, terminalRequest } from '../test/support/fakes.ts';

const REQUEST_COUNT = Number(process.argv[2] ?? 20_000);
const CONCURRENCY = Number(process.argv[3] ?? 200);
const RATE_PER_SECOND = Number(process.argv[4] ?? 0);
/** Arrivals are released in ticks of this length (timers cannot fire every 0.25 ms). */
const ARRIVAL_TICK_MS = 5;
const TERMINAL_COUNT = 100;

const db = await authorizationDatabase();
const doubles = fakes();
for (let index = 0; index < TERMINAL_COUNT; index += 1) {
  const terminalId = `B${String(index).padStart(7, '0')}`;
  doubles.merchants.terminals.set(terminalId, terminalContext({ terminalId }));
}
const deps = { ...flowDependencies(db.store, doubles), logger: { info() {}, warn() {}, error() {} } };
const identities = new TransactionIdentities(9);
const latenciesMs: number[] = [];
let approved = 0;
let next = 0;

async function one(index: number): Promise<void> {
  const terminalId = `B${String(index % TERMINAL_COUNT).padStart(7, '0')}`;
  const amountFen = fen(1_000 + (index % 500));
  const request = terminalRequest({ terminalId, amountFen, pinBlock: null, posEntryMode: '072' });
  const startedAt = performance.now();
  const answer = await authorizeTransaction(request, 30_000, deps, identities);
  latenciesMs.push(performance.now() - startedAt);
  if (answer.responseCode === '00') approved += 1;
}

async function worker(): Promise<void> {
  while (next < REQUEST_COUNT) {
    const index = next;
    next += 1;
    await one(index);
  }
}

async function openLoop(): Promise<void> {
  const inFlight: Promise<void>[] = [];
  const perTick = (RATE_PER_SECOND * ARRIVAL_TICK_MS) / 1000;
  let owed = 0;
  while (next < REQUEST_COUNT) {
    owed += perTick;
    for (; owed >= 1 && next < REQUEST_COUNT; owed -= 1) {
      inFlight.push(one(next));
      next += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, ARRIVAL_TICK_MS));
  }
  await Promise.all(inFlight);
}

const startedAt = performance.now();
if (RATE_PER_SECOND > 0) await openLoop();
else await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
const elapsedMs = performance.now() - startedAt;
latenciesMs.sort((a, b) => a - b);
const percentile = (p: number) =>
  latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((latenciesMs.length * p) / 100))]?.toFixed(1);
const stats = db.store.groupCommitStats();
process.stdout.write(
  `${JSON.stringify({
    requests: REQUEST_COUNT,
    approved,
    concurrency: CONCURRENCY,
    offeredPerSecond: RATE_PER_SECOND,
    approvedPerSecond: Math.round((approved / elapsedMs) * 1000),
    latencyMsP50: percentile(50),
    latencyMsP99: percentile(99),
    intentRowsPerCommit: (stats.intents.rowsWritten / stats.intents.batchesWritten).toFixed(1),
    outcomeRowsPerCommit: (stats.outcomes.rowsWritten / stats.outcomes.batchesWritten).toFixed(1),
  })}\n`,
);
await db.close();
