/**
 * Throughput of the connector through one process: N requests with C in flight over the configured
 * links to a fake network running in a separate process. Usage:
 *   node src/clients/upstream/testing/bench-upstream.ts [requests=50000] [concurrency=2000] [links=4]
 * Prints requests/s and latency percentiles; the SAF worker is off (no database needed).
 * UPSTREAM_BENCH_ADDRESS=host:port measures against a running network instead (answers may be declines).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fen } from '@acq/money';
import type pg from 'pg';
import { createUpstreamConnector } from '../upstream-connector.ts';
import { recordingLogger, recordingMeter, sampleRequest } from './test-doubles.ts';

const requestCount = Number(process.argv[2] ?? 50_000);
const concurrency = Number(process.argv[3] ?? 2_000);
const linkCount = Number(process.argv[4] ?? 4);

/** Another network (e.g. a running network-sim) instead of the fake: UPSTREAM_BENCH_ADDRESS=host:port. */
const externalAddress = process.env.UPSTREAM_BENCH_ADDRESS;
const child =
  externalAddress === undefined
    ? spawn(process.execPath, [join(import.meta.dirname, 'run-fake-network.ts')], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : undefined;
const address = child === undefined ? (externalAddress as string) : await firstLineOf(child);

async function firstLineOf(fake: ChildProcess): Promise<string> {
  if (fake.stdout === null) throw new Error('the fake network has no stdout');
  const [firstLine] = (await once(fake.stdout, 'data')) as [Buffer];
  return firstLine.toString().trim();
}

const connector = createUpstreamConnector({
  address,
  acquirerInstitutionId: '48020000',
  pool: { connectionCountMax: linkCount },
  sql: {} as pg.Pool,
  schema: 'bench',
  logger: recordingLogger(),
  meter: recordingMeter(),
  safWorkerEnabled: false,
});
while (!connector.ready() || connector.stats().connectionsReady < linkCount)
  await new Promise((r) => setTimeout(r, 10));

const latenciesMs: number[] = [];
let next = 0;
let approved = 0;
let answered = 0;
async function lane(): Promise<void> {
  while (next < requestCount) {
    next += 1;
    const startedAt = performance.now();
    const result = await connector.send(sampleRequest({ amountFen: fen(BigInt(next)) }), { timeoutMs: 10_000 });
    latenciesMs.push(performance.now() - startedAt);
    if (result.outcome === 'approved') approved += 1;
    if (result.outcome === 'approved' || result.outcome === 'declined') answered += 1;
  }
}
const startedAt = performance.now();
await Promise.all(Array.from({ length: concurrency }, () => lane()));
const elapsedMs = performance.now() - startedAt;
latenciesMs.sort((a, b) => a - b);
const percentile = (p: number) =>
  latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((latenciesMs.length * p) / 100))]?.toFixed(1);
process.stdout.write(
  `${JSON.stringify({
    requests: requestCount,
    approved,
    answered,
    concurrency,
    links: linkCount,
    requestsPerSecond: Math.round((requestCount / elapsedMs) * 1000),
    latencyMsP50: percentile(50),
    latencyMsP99: percentile(99),
  })}\n`,
);
await connector.close();
child?.kill('SIGTERM');
