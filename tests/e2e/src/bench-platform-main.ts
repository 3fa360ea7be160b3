/**
 * `npm run bench:platform -- <acq bench options>` (tests/e2e): starts the whole platform exactly as
 * the e2e tests do (every service its own process, a fresh database, Redis db 7), with risk's
 * per-period limits raised so a load test measures the hot path instead of hitting a daily count,
 * runs `acq bench` against it with a fresh terminal fleet, and stops the platform.
 *
 * `--kafka` runs the event bus on the librdkafka mock cluster (@acq/testkit) instead of the Postgres log.
 * `--profile <service,...|all>` starts those services under `--cpu-prof`; the profiles land in
 * `--profile-dir`/<service>/ (default ./profiles) when the platform stops. Hold /tmp/acq-e2e.lock (fixed ports).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_SERVICES } from '@acq/scripts/platform-services.ts';
import { testKafka } from '@acq/testkit';
import pg from 'pg';
import { type PlatformUnderTest, startPlatformUnderTest } from './platform-under-test.ts';

const ACQ_BIN = fileURLToPath(new URL('../../../libs/cli/bin/acq.ts', import.meta.url));
/** Large enough that no per-period count or amount limit fires during an hour of load. */
const LOAD_TEST_LIMIT = '1000000000000';
const LIMITED_SUBJECTS = [
  'INDIVIDUAL_MERCHANT',
  'INDIVIDUAL_TERMINAL',
  'ENTERPRISE_MERCHANT',
  'ENTERPRISE_TERMINAL',
  'DEBIT_CARD',
  'CREDIT_CARD',
];
const LIMITED_MEASURES = ['DAILY_COUNT', 'MONTHLY_COUNT', 'DAILY_AMOUNT_FEN', 'MONTHLY_AMOUNT_FEN'];

function loadTestRiskLimits(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const subject of LIMITED_SUBJECTS) {
    for (const measure of LIMITED_MEASURES) environment[`RISK_LIMITS_${subject}_${measure}`] = LOAD_TEST_LIMIT;
  }
  return environment;
}

interface Arguments {
  /** Kafka (the librdkafka mock cluster of @acq/testkit) as the event bus instead of the Postgres log. */
  kafka: boolean;
  profiled: Set<string> | 'all';
  profileDir: string;
  benchArguments: string[];
}

function parseArguments(argv: readonly string[]): Arguments {
  const benchArguments: string[] = [];
  let profiled: Set<string> | 'all' = new Set();
  let profileDir = resolve('profiles');
  let kafka = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (argument === '--profile') {
      const value = argv[++index] ?? '';
      profiled = value === 'all' ? 'all' : new Set(value.split(',').filter((name) => name !== ''));
    } else if (argument === '--kafka') {
      kafka = true;
    } else if (argument === '--profile-dir') {
      profileDir = resolve(argv[++index] ?? 'profiles');
    } else {
      benchArguments.push(argument);
    }
  }
  return { kafka, profiled, profileDir, benchArguments };
}

function runBench(benchArguments: readonly string[], environment: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, [ACQ_BIN, 'bench', ...benchArguments], { stdio: 'inherit', env: environment });
  return new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code ?? 1)));
}

/** utime + stime of a process in ms, from /proc (Linux); undefined when it is gone. */
async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const clockTicksPerSecond = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

/**
 * The infrastructure's share: the PostgreSQL backends serving the platform's database (their
 * process title names it; the cluster's shared background processes are left out, other users'
 * backends too) and the Redis server (shared with whatever else uses it).
 */
async function infrastructureCpuMs(databaseName: string): Promise<{ postgres: number; redis: number }> {
  const used = { postgres: 0, redis: 0 };
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const name = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (name === 'redis-server') used.redis += (await processCpuMs(Number(entry))) ?? 0;
    if (name !== 'postgres') continue;
    const title = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (title.includes(` ${databaseName} `)) used.postgres += (await processCpuMs(Number(entry))) ?? 0;
  }
  return used;
}

async function cpuSnapshot(platform: PlatformUnderTest): Promise<Map<string, number>> {
  const snapshot = new Map<string, number>();
  for (const service of PLATFORM_SERVICES) {
    const cpuMs = await processCpuMs(platform.supervisor.processOf(service.name)?.pid);
    if (cpuMs !== undefined) snapshot.set(service.name, cpuMs);
  }
  const infrastructure = await infrastructureCpuMs(new URL(platform.databaseUrl).pathname.slice(1));
  snapshot.set('postgres', infrastructure.postgres);
  snapshot.set('redis-server', infrastructure.redis);
  return snapshot;
}

/** CPU each service spent during the bench (warm-up and verification included), per request sent. */
function cpuReport(
  before: Map<string, number>,
  after: Map<string, number>,
  requestsSent: number,
  wallMs: number,
): string {
  const lines = [
    'CPU per process during the bench (warm-up and verification included; postgres: the backends of the platform database; redis-server: the whole server):',
  ];
  let totalMs = 0;
  for (const [name, startMs] of before) {
    const endMs = after.get(name);
    if (endMs === undefined) continue;
    const usedMs = endMs - startMs;
    totalMs += usedMs;
    const perRequest = requestsSent > 0 ? (usedMs / requestsSent).toFixed(3) : '-';
    lines.push(
      `  ${name.padEnd(14)} ${(usedMs / 1000).toFixed(1).padStart(6)} s  ${(usedMs / wallMs).toFixed(2)} cores  ${perRequest} ms/request`,
    );
  }
  const perRequest = requestsSent > 0 ? (totalMs / requestsSent).toFixed(3) : '-';
  lines.push(
    `  ${'all'.padEnd(14)} ${(totalMs / 1000).toFixed(1).padStart(6)} s  ${(totalMs / wallMs).toFixed(2)} cores  ${perRequest} ms/request (${requestsSent} sent)`,
  );
  return lines.join('\n');
}

async function requestsSentIn(reportPath: string): Promise<number> {
  const document = JSON.parse(await readFile(reportPath, 'utf8').catch(() => '{}')) as { result?: { sent?: number } };
  return document.result?.sent ?? 0;
}

function jsonReportPath(benchArguments: string[], stateDirectory: string): string {
  const index = benchArguments.indexOf('--json');
  if (index >= 0 && benchArguments[index + 1] !== undefined) return benchArguments[index + 1] as string;
  const path = join(stateDirectory, 'bench-report.json');
  benchArguments.push('--json', path);
  return path;
}

/** Commits and row changes of the platform's database, per table, from PostgreSQL's statistics. */
async function databaseActivity(databaseUrl: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Statistics reach the views up to a second after the work; wait for them to settle.
    await new Promise((resolveWait) => setTimeout(resolveWait, STATISTICS_SETTLE_MS));
    const activity = new Map<string, number>();
    const commits = await client.query<{ commits: string }>(
      'SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
    );
    activity.set('commits', Number(commits.rows[0]?.commits ?? 0));
    const tables = await client.query<{ name: string; changes: string }>(
      `SELECT schemaname || '.' || relname AS name, n_tup_ins + n_tup_upd + n_tup_del AS changes FROM pg_stat_user_tables`,
    );
    for (const row of tables.rows) activity.set(row.name, Number(row.changes));
    return activity;
  } finally {
    await client.end();
  }
}

const STATISTICS_SETTLE_MS = 1_500;
/** Tables below this many changed rows per request are left out of the report. */
const REPORTED_ROWS_PER_REQUEST_MIN = 0.05;

function databaseReport(before: Map<string, number>, after: Map<string, number>, requestsSent: number): string {
  if (requestsSent === 0) return '';
  const perRequest = (name: string) => ((after.get(name) ?? 0) - (before.get(name) ?? 0)) / requestsSent;
  const lines = [`PostgreSQL per request: ${perRequest('commits').toFixed(2)} commits; rows changed by table:`];
  const tables = [...after.keys()].filter((name) => name !== 'commits');
  tables.sort((left, right) => perRequest(right) - perRequest(left));
  for (const name of tables) {
    if (perRequest(name) >= REPORTED_ROWS_PER_REQUEST_MIN)
      lines.push(`  ${name.padEnd(44)} ${perRequest(name).toFixed(2)}`);
  }
  return lines.join('\n');
}

/** Histograms read from the services' /metrics around the run: where the time and the risk budget go. */
const AUTHORIZATION_METRICS_URL = 'http://127.0.0.1:9102/metrics';
const WATCHED_HISTOGRAMS: readonly { label: string; url: string; name: string; labelFilter?: string }[] = [
  { label: 'Assess inside risk', url: 'http://127.0.0.1:9103/metrics', name: 'risk_assess_duration_ms' },
  {
    label: 'Assess as authorization waits for it',
    url: AUTHORIZATION_METRICS_URL,
    name: 'authorization_risk_assess_duration',
  },
  { label: 'authorization, request to answer', url: AUTHORIZATION_METRICS_URL, name: 'authorization_duration' },
  ...[
    'load-terminal-context',
    'reserve-network-identity',
    'record-intent',
    'assess-risk',
    'route-upstream',
    'record-outcome',
  ].map((step) => ({
    label: `  step ${step}`,
    url: AUTHORIZATION_METRICS_URL,
    name: 'authorization_step_duration',
    labelFilter: `step="${step}"`,
  })),
];

/** A service's Prometheus text, or '' when it does not answer in time (the report then shows '-'). */
function metricsText(url: string, timeoutMs: number): Promise<string> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (response) => response.text(),
    () => '',
  );
}

/** How often the event-loop delay gauges are read during the run (each read resets the service's window). */
const LOOP_DELAY_SAMPLE_INTERVAL_MS = 2_000;

/**
 * Samples every service's event-loop delay p99 (the window since the previous read) while the bench
 * runs: time a ready request waits before its process gets to it, scheduling included.
 */
function sampleLoopDelays(): { stop(): Promise<Map<string, number[]>> } {
  const samples = new Map<string, number[]>(PLATFORM_SERVICES.map((service) => [service.name, []]));
  const sampleOnce = async (): Promise<void> => {
    await Promise.all(
      PLATFORM_SERVICES.map(async (service) => {
        const text = await metricsText(service.readyUrl.replace(/\/readyz$/, '/metrics'), 1_000);
        const match = /^nodejs_eventloop_delay_p99(?:\{[^}]*\})? ([0-9.e+-]+)/m.exec(text);
        if (match !== null) samples.get(service.name)?.push(Number(match[1]) * 1000);
      }),
    );
  };
  void sampleOnce(); // starts every window at the run's start
  const timer = setInterval(() => void sampleOnce(), LOOP_DELAY_SAMPLE_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await sampleOnce();
      for (const values of samples.values()) values.shift(); // the first read covers the time before the run
      return samples;
    },
  };
}

function loopDelayReport(samples: Map<string, number[]>): string {
  const lines = [
    `Event-loop delay p99 per ${LOOP_DELAY_SAMPLE_INTERVAL_MS / 1000} s window during the bench (median / max of the windows, ms):`,
  ];
  for (const [service, values] of samples) {
    if (values.length === 0) continue;
    const sorted = [...values].sort((left, right) => left - right);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
    lines.push(`  ${service.padEnd(16)} ${median.toFixed(1)} / ${(sorted.at(-1) ?? 0).toFixed(1)}`);
  }
  return lines.join('\n');
}

/** Cumulative bucket counts by upper bound, summed over every label set (or those with `labelFilter`). */
function histogramBuckets(text: string, name: string, labelFilter?: string): Map<number, number> {
  const buckets = new Map<number, number>();
  const pattern = new RegExp(`^${name}_bucket\\{.*le="([^"]+)".*\\} ([0-9.e+]+)`);
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (match === null || (labelFilter !== undefined && !line.includes(labelFilter))) continue;
    const bound = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** The quantile of the observations between two snapshots, interpolated inside its bucket. */
function quantileBetween(
  before: Map<number, number>,
  after: Map<number, number>,
  quantile: number,
): number | undefined {
  const bounds = [...after.keys()].sort((left, right) => left - right);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return undefined;
  const rank = quantile * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / Math.max(count - lowerCount, 1);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** Every watched histogram, each services' /metrics read once. */
async function histogramSnapshot(): Promise<Map<number, number>[]> {
  const urls = [...new Set(WATCHED_HISTOGRAMS.map((histogram) => histogram.url))];
  const texts = new Map(await Promise.all(urls.map(async (url) => [url, await metricsText(url, 5_000)] as const)));
  return WATCHED_HISTOGRAMS.map((histogram) =>
    histogramBuckets(texts.get(histogram.url) ?? '', histogram.name, histogram.labelFilter),
  );
}

function histogramReport(before: Map<number, number>[], after: Map<number, number>[]): string {
  const lines = ['Latency inside the platform during the bench (from the services metrics, ms):'];
  for (const [index, histogram] of WATCHED_HISTOGRAMS.entries()) {
    const format = (quantile: number) =>
      quantileBetween(before[index] ?? new Map(), after[index] ?? new Map(), quantile)?.toFixed(2) ?? '-';
    lines.push(`  ${histogram.label.padEnd(40)} p50 ${format(0.5)}  p99 ${format(0.99)}`);
  }
  return lines.join('\n');
}

const options = parseArguments(process.argv.slice(2));
const stateDirectory = await mkdtemp(join(tmpdir(), 'acq-bench-'));
const kafka = options.kafka ? await testKafka() : undefined;
const busEnvironment: NodeJS.ProcessEnv = kafka === undefined ? {} : { KAFKA_BROKERS: kafka.brokers.join(',') };
const platform = await startPlatformUnderTest({ ...loadTestRiskLimits(), ...busEnvironment }, undefined, (service) =>
  options.profiled === 'all' || options.profiled.has(service.name)
    ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, service.name)}`]
    : [],
);
let exitCode = 1;
try {
  const reportPath = jsonReportPath(options.benchArguments, stateDirectory);
  const databaseBefore = await databaseActivity(platform.databaseUrl);
  const cpuBefore = await cpuSnapshot(platform);
  const histogramsBefore = await histogramSnapshot();
  const startedAtMs = Date.now();
  const loopDelays = sampleLoopDelays();
  exitCode = await runBench(['--state', join(stateDirectory, 'bench-state.json'), ...options.benchArguments], {
    ...process.env,
    DATABASE_URL: platform.databaseUrl,
  });
  const cpuAfter = await cpuSnapshot(platform);
  process.stdout.write(`${histogramReport(histogramsBefore, await histogramSnapshot())}\n`);
  process.stdout.write(`${loopDelayReport(await loopDelays.stop())}\n`);
  const requestsSent = await requestsSentIn(reportPath);
  process.stdout.write(`${cpuReport(cpuBefore, cpuAfter, requestsSent, Date.now() - startedAtMs)}\n`);
  process.stdout.write(
    `${databaseReport(databaseBefore, await databaseActivity(platform.databaseUrl), requestsSent)}\n`,
  );
} finally {
  await platform.stop();
  await kafka?.stop();
  await rm(stateDirectory, { recursive: true, force: true });
}
process.exit(exitCode);
