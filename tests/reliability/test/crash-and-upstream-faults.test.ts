// Goal: no approval, reversal, ledger entry or event is lost or doubled when services are killed
// with SIGKILL under load, or when the card network times out, answers late, disconnects or sends
// garbage. Method: the whole platform as separate processes; resilient terminals (reconnect, sign
// in again, reverse every unanswered request) drive purchases while a seeded schedule kills
// services; afterwards the invariants are read from the database and network-sim until they hold.
import { after, before, test } from 'node:test';
import { strict as expect } from 'node:assert';
import { http, NETWORK_SIM_URL } from '@acq/bench';
import { type PlatformUnderTest, startPlatformUnderTest } from '@acq/e2e-tests';
import {
  answerTimeline,
  approvalsOf,
  awaitInvariants,
  driveUntil,
  drainReversals,
  type Fleet,
  invariantFigures,
  invariantsHold,
  prepareFleet,
  profileFromEnvironment,
  recoveryReversalsIn,
  SCENARIO_PLATFORM_ENVIRONMENT,
  SeededRandom,
  scanForCardData,
  seedFromEnvironment,
  terminalFigures,
  terminalIdsOf,
  writeLogs,
  writeResults,
} from '../src/index.ts';

/**
 * The services a crash may hit; authorization and merchant also run the outbox relays. Every other
 * kill (the first, third, ...) hits authorization, which holds the money path (intent, network,
 * outcome); the rest pick any other service.
 */
const CRASH_TARGETS = ['authorization', 'gateway', 'risk', 'settlement', 'merchant'] as const;
const OTHER_CRASH_TARGETS = CRASH_TARGETS.filter((service) => service !== 'authorization');
/** Kills fall inside this share of the load window, so the end of the run sees recovery. */
const KILL_WINDOW_START_SHARE = 0.1;
const KILL_WINDOW_END_SHARE = 0.75;
/** A short upstream wait so timeouts and their reversals happen within a bounded run. */
const UPSTREAM_TIMEOUT_MS = 3_000;
/** Late answers arrive after the upstream wait is over: approvals the platform must reverse. */
const LATE_RESPONSE_MS = 5_000;
/** The supervisor restarts a crashed service after at most 10 s; the schedule waits a little longer. */
const RESTART_WAIT_MS_MAX = 15_000;
const RESTART_POLL_MS = 100;

const profile = profileFromEnvironment();
const seed = seedFromEnvironment();
const random = new SeededRandom(seed);
let platform: PlatformUnderTest;
const scenarioPans: string[] = [];

before(async () => {
  process.stdout.write(`reliability seed ${seed} (RELIABILITY_SEED=${seed} replays), profile ${profile.name}\n`);
  platform = await startPlatformUnderTest({
    ...SCENARIO_PLATFORM_ENVIRONMENT,
    AUTHORIZATION_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
  });
});

after(async () => {
  for (const terminal of fleets.flatMap((fleet) => fleet.terminals)) terminal.close();
  await http('DELETE', `${NETWORK_SIM_URL}/faults`).catch(() => undefined);
  if (platform !== undefined) writeLogs('crash-and-upstream-faults', platform.logs);
  await platform?.stop();
});

const fleets: Fleet[] = [];

interface Kill {
  atMs: number;
  service: string;
  pid: number | undefined;
}

/** A service killed a moment ago is still restarting: wait for its next process before killing again. */
async function liveProcessOf(service: string) {
  const deadline = Date.now() + RESTART_WAIT_MS_MAX;
  for (;;) {
    const child = platform.supervisor.processOf(service);
    if ((child !== undefined && child.exitCode === null && child.signalCode === null) || Date.now() > deadline) {
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, RESTART_POLL_MS));
  }
}

async function killOnSchedule(startedAtMs: number, loadMs: number): Promise<Kill[]> {
  const offsets = Array.from({ length: profile.crashKills }, () =>
    Math.round(loadMs * (KILL_WINDOW_START_SHARE + random.next() * (KILL_WINDOW_END_SHARE - KILL_WINDOW_START_SHARE))),
  ).sort((a, b) => a - b);
  const kills: Kill[] = [];
  for (const [index, offsetMs] of offsets.entries()) {
    const waitMs = startedAtMs + offsetMs - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const service = index % 2 === 0 ? 'authorization' : random.pick(OTHER_CRASH_TARGETS);
    const child = await liveProcessOf(service);
    child?.kill('SIGKILL');
    kills.push({ atMs: Date.now() - startedAtMs, service, pid: child?.pid });
  }
  return kills;
}

test('kill -9 of authorization, gateway, risk, settlement and the relays under load loses and doubles nothing', async (t) => {
  const fleet = await prepareFleet(profile.terminals, 100);
  fleets.push(fleet);
  scenarioPans.push(...fleet.pans);
  const startedAtMs = Date.now();
  const [kills] = await Promise.all([
    killOnSchedule(startedAtMs, profile.crashLoadMs),
    driveUntil(fleet, startedAtMs + profile.crashLoadMs, random),
  ]);
  const unsettledReversals = await drainReversals(fleet);
  const window = { startedAtMs, endedAtMs: Date.now() };
  const report = await awaitInvariants(platform.databaseUrl, approvalsOf(fleet), terminalIdsOf(fleet), window);
  const restarts = Object.fromEntries(CRASH_TARGETS.map((name) => [name, platform.supervisor.restartsOf(name)]));
  const path = writeResults('crash', seed, {
    profile: profile.name,
    loadMs: profile.crashLoadMs,
    kills,
    restarts,
    terminals: terminalFigures(fleet),
    answersBySecond: answerTimeline(fleet, startedAtMs),
    unsettledReversals,
    recoveryReversals: recoveryReversalsIn(platform.logs),
    invariants: invariantFigures(report),
  });
  t.diagnostic(`figures in ${path}`);
  expect.equal(kills.length, profile.crashKills);
  expect.ok(
    kills.every((kill) => kill.pid !== undefined),
    `every kill hit a live process: ${JSON.stringify(kills)}`,
  );
  expect.ok(terminalFigures(fleet).approvedToTerminals > 0, 'purchases were approved during the run');
  expect.equal(unsettledReversals, 0, 'every unanswered request was reversed');
  expect.ok(invariantsHold(report), `invariants: ${JSON.stringify(invariantFigures(report))}`);
});

test('card-network timeouts, late answers, disconnects and garbage frames: the queue drains and numbers reconcile', async (t) => {
  const fleet = await prepareFleet(profile.terminals, 200);
  fleets.push(fleet);
  scenarioPans.push(...fleet.pans);
  const faults = {
    timeoutRate: 0.04,
    dropRate: 0.03,
    disconnectRate: 0.02,
    lateResponseRate: 0.04,
    lateResponseMs: LATE_RESPONSE_MS,
    garbageRate: 0.02,
    latencyMs: 5,
    latencyJitterMs: 20,
    pans: fleet.pans,
  };
  expect.equal((await http('PUT', `${NETWORK_SIM_URL}/faults`, { body: faults })).status, 200);
  const startedAtMs = Date.now();
  await driveUntil(fleet, startedAtMs + profile.upstreamFaultLoadMs, random);
  expect.ok([200, 204].includes((await http('DELETE', `${NETWORK_SIM_URL}/faults`)).status), 'faults cleared');
  const unsettledReversals = await drainReversals(fleet);
  const window = { startedAtMs, endedAtMs: Date.now() };
  const report = await awaitInvariants(platform.databaseUrl, approvalsOf(fleet), terminalIdsOf(fleet), window);
  const figures = terminalFigures(fleet);
  const path = writeResults('upstream-faults', seed, {
    profile: profile.name,
    loadMs: profile.upstreamFaultLoadMs,
    faults: { ...faults, pans: faults.pans.length },
    terminals: figures,
    answersBySecond: answerTimeline(fleet, startedAtMs),
    unsettledReversals,
    invariants: invariantFigures(report),
  });
  t.diagnostic(`figures in ${path}`);
  const faultAnswers = (figures.declinedByCode['98'] ?? 0) + (figures.declinedByCode['96'] ?? 0);
  expect.ok(faultAnswers > 0, `the faults reached the terminals as 98/96: ${JSON.stringify(figures.declinedByCode)}`);
  expect.equal(unsettledReversals, 0, 'every unanswered request was reversed');
  expect.ok(invariantsHold(report), `invariants: ${JSON.stringify(invariantFigures(report))}`);
});

test('after the scenarios no full PAN or track data is in any table, event, log line or Redis key', async (t) => {
  const scan = await scanForCardData({
    databaseUrl: platform.databaseUrl,
    logs: platform.logs,
    pans: scenarioPans,
    redisUrl: platform.environment.REDIS_URL,
  });
  const path = writeResults('card-data-scan-faults', seed, { ...scan, pans: scenarioPans.length });
  t.diagnostic(`figures in ${path}`);
  expect.ok(scan.tablesScanned > 20 && scan.rowsScanned > 0, 'the scan saw the platform tables');
  expect.deepEqual(scan.findings, []);
});
