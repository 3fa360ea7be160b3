/**
 * `acq bench` (issue 11): N simulated terminals over TCP, open loop at a target rate or closed loop
 * at the maximum, a transaction mix, warm-up excluded, a progress line a second on stderr, a final
 * report (and JSON), and a verification pass that every approval exists exactly once at the
 * platform and at network-sim. `--ceiling` runs the same load against a bare responder in a child
 * process: what this machine carries with no business work at all.
 */
import { writeFile } from 'node:fs/promises';
import { DEV_ACCESS_TOKEN_SECRET } from '@acq/access';
import {
  type ApprovalKey,
  compareApprovals,
  fetchNetworkApprovals,
  fetchPlatformApprovals,
  type LoadReport,
  type PlatformEndpoints,
  runLoad,
  spawnBareResponder,
  verificationPassed,
} from '@acq/bench';
import { type CliCommand, type CliIo, EXIT_INVALID_INPUT, EXIT_OK } from '../command.ts';
import { type BenchOptions, parseBenchOptions } from './bench/bench-options.ts';
import {
  type BenchVerification,
  benchDocument,
  type DrivenRun,
  humanReport,
  loadAverages,
  progressLine,
} from './bench/bench-report.ts';
import { type BenchFleet, prepareCeilingFleet, preparePlatformFleet } from './bench/bench-terminals.ts';

/** Purchase amounts cycle through this range (1.00 to 99.99 yuan), below any small-amount rule. */
const BENCH_AMOUNT_FEN_MIN = 100;
const BENCH_AMOUNT_FEN_MAX = 9_999;
/**
 * Pause before reading the other sides: the platform reverses late or timed-out upstream approvals
 * from its store-and-forward queue within seconds, and those must not count as unknown.
 */
const VERIFICATION_SETTLE_DELAY_MS = 3_000;

const USAGE = `usage: acq bench (--rate R | --closed) [options]
  --terminals N            simulated terminals, one TCP connection each (default 100)
  --rate R | --closed      open loop at R requests/s, or closed loop at the maximum
  --duration 60s           measured time; --warmup 5s before it is not counted
  --mix purchase=85,balance=10,void=5
  --json out.json          also write the report as JSON (schema in docs/bench.md)
  --ceiling                run against a bare responder in a child process (no platform)
  --host 127.0.0.1 --port 8583 --api http://127.0.0.1:8080 --network-sim http://127.0.0.1:8601
  --state path             bench terminal cache (default ~/.acq/bench-state.json; holds clear TMKs)
  --terminals-per-merchant 10  --cards 100  --timeout 30s  --no-verify
Verification reads network-sim's approvals and the authorization schema (DATABASE_URL, read-only).
Exit codes: 0 ok, 1 setup failed or verification found a lost or duplicated approval (or could not run),
2 bad command line.`;

function approvalKeysOf(report: LoadReport): ApprovalKey[] {
  return report.approved.map((record) => ({
    terminalId: record.terminalId,
    rrn: record.rrn,
    authCode: record.authCode,
  }));
}

async function verify(
  options: BenchOptions,
  report: LoadReport,
  terminalIds: string[],
  window: { startedAtMs: number; endedAtMs: number },
): Promise<BenchVerification> {
  const expected = approvalKeysOf(report);
  await new Promise((resolve) => setTimeout(resolve, VERIFICATION_SETTLE_DELAY_MS));
  const network = compareApprovals(
    expected,
    await fetchNetworkApprovals(options.networkSimUrl, terminalIds, window.startedAtMs, window.endedAtMs),
  );
  const platform = compareApprovals(
    expected,
    await fetchPlatformApprovals(options.databaseUrl, terminalIds, window.startedAtMs),
  );
  return { network, platform, passed: verificationPassed([network, platform]) };
}

async function prepareFleet(options: BenchOptions, io: CliIo, env: NodeJS.ProcessEnv) {
  const log = (line: string) => io.stderr(`${line}\n`);
  if (!options.ceiling) {
    const endpoints: PlatformEndpoints = {
      apiUrl: options.apiUrl,
      networkSimUrl: options.networkSimUrl,
      accessTokenSecret: env.ACCESS_TOKEN_SECRET ?? DEV_ACCESS_TOKEN_SECRET,
    };
    return { fleet: await preparePlatformFleet(options, endpoints, log), stop: async () => {}, port: options.port };
  }
  const responder = await spawnBareResponder();
  log(`bare responder listening on 127.0.0.1:${responder.port} (pid ${responder.pid})`);
  try {
    const fleet = await prepareCeilingFleet(options, responder.port, responder.tmkHex);
    return { fleet, stop: responder.stop, port: responder.port };
  } catch (error) {
    await responder.stop();
    throw error;
  }
}

async function drive(options: BenchOptions, fleet: BenchFleet, io: CliIo): Promise<DrivenRun> {
  let loadAverage1mMax = 0;
  const cpuAtStart = process.cpuUsage();
  const wallAtStartMs = performance.now();
  const report = await runLoad({
    terminals: fleet.sessions.map((session) => session.terminal),
    cards: fleet.cards,
    mode: options.mode,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    mix: options.mix,
    amountFenMin: BENCH_AMOUNT_FEN_MIN,
    amountFenMax: BENCH_AMOUNT_FEN_MAX,
    onProgress: (snapshot) => {
      const loadAverage1m = loadAverages()[0] ?? 0;
      loadAverage1mMax = Math.max(loadAverage1mMax, loadAverage1m);
      io.stderr(progressLine(snapshot, loadAverage1m));
    },
  });
  const cpu = process.cpuUsage(cpuAtStart);
  const generatorCpuMs = Math.round((cpu.user + cpu.system) / 1000);
  const generatorCoresUsed = Math.round((generatorCpuMs / Math.max(1, performance.now() - wallAtStartMs)) * 100) / 100;
  return { report, loadAverage1mMax, generatorCpuMs, generatorCoresUsed };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs the load; an interrupted run still records each terminal's last STAN (see finish()). */
async function driveRecordingProgress(options: BenchOptions, fleet: BenchFleet, stop: () => Promise<void>, io: CliIo) {
  // Without the record, the next run's first requests would repeat traces the platform already saw
  // (answered 94). After recording, the signal does its default.
  const onInterrupt = (signal: NodeJS.Signals) => {
    fleet.recordInterrupted();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    return await drive(options, fleet, io);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await fleet.finish();
    await stop();
  }
}

async function runBench(args: readonly string[], io: CliIo): Promise<number> {
  const options = parseBenchOptions(args, process.env);
  const startedAt = new Date();
  const loadAverageAtStart = loadAverages();
  let prepared: Awaited<ReturnType<typeof prepareFleet>>;
  try {
    prepared = await prepareFleet(options, io, process.env);
  } catch (error) {
    io.stderr(`acq bench: setup failed: ${errorMessage(error)}\n`);
    return EXIT_INVALID_INPUT;
  }
  const startedAtMs = Date.now();
  const driven = await driveRecordingProgress(options, prepared.fleet, prepared.stop, io);
  const window = { startedAtMs, endedAtMs: Date.now() };
  const terminalIds = prepared.fleet.sessions.map((session) => session.terminal.identity.terminalId);
  let verification: BenchVerification | null = null;
  let verificationRan = options.ceiling || !options.verify;
  if (!verificationRan) {
    try {
      verification = await verify(options, driven.report, terminalIds, window);
      verificationRan = true;
    } catch (error) {
      io.stderr(`acq bench: verification could not read the platform or network-sim: ${errorMessage(error)}\n`);
    }
  }
  const document = benchDocument({ options, startedAt, port: prepared.port, loadAverageAtStart, driven, verification });
  io.stdout(humanReport(document));
  if (options.jsonPath !== undefined) await writeFile(options.jsonPath, `${JSON.stringify(document, null, 2)}\n`);
  const passed = verificationRan && (verification === null || verification.passed);
  return passed ? EXIT_OK : EXIT_INVALID_INPUT;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'load generator: simulated terminals against the platform or a bare responder',
  usage: USAGE,
  run: runBench,
};
