/** The bench's outputs: the live progress line, the human report and the JSON document. */
import { cpus, loadavg } from 'node:os';
import type { LoadReport, ProgressSnapshot, SideVerification } from '@acq/bench';
import type { BenchOptions } from './bench-options.ts';

export const BENCH_REPORT_SCHEMA_VERSION = 1;

export interface BenchVerification {
  network: SideVerification;
  platform: SideVerification;
  passed: boolean;
}

/** The JSON document `--json` writes; docs/bench.md describes every field. */
export interface BenchDocument {
  schemaVersion: number;
  tool: 'acq bench';
  startedAt: string;
  target: { kind: 'platform' | 'ceiling'; host: string; port: number };
  options: {
    terminals: number;
    mode: LoadReport['mode'];
    durationMs: number;
    warmupMs: number;
    mix: BenchOptions['mix'];
    timeoutMs: number;
  };
  machine: {
    cpus: number;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    loadAverage1mMax: number;
    /** CPU the bench process itself used during warm-up and measurement (user + system). */
    generatorCpuMs: number;
    /** generatorCpuMs over the wall time of the run: 1.0 is one whole core. */
    generatorCoresUsed: number;
  };
  result: Omit<LoadReport, 'approved'> & { approvedCount: number };
  verification: BenchVerification | null;
}

export function loadAverages(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

export interface DrivenRun {
  report: LoadReport;
  loadAverage1mMax: number;
  generatorCpuMs: number;
  generatorCoresUsed: number;
}

export function benchDocument(input: {
  options: BenchOptions;
  startedAt: Date;
  port: number;
  loadAverageAtStart: number[];
  driven: DrivenRun;
  verification: BenchVerification | null;
}): BenchDocument {
  const { options, driven } = input;
  const { approved, ...result } = driven.report;
  return {
    schemaVersion: BENCH_REPORT_SCHEMA_VERSION,
    tool: 'acq bench',
    startedAt: input.startedAt.toISOString(),
    target: {
      kind: options.ceiling ? 'ceiling' : 'platform',
      host: options.ceiling ? '127.0.0.1' : options.host,
      port: input.port,
    },
    options: {
      terminals: options.terminals,
      mode: options.mode,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      mix: options.mix,
      timeoutMs: options.timeoutMs,
    },
    machine: {
      cpus: cpus().length,
      loadAverageAtStart: input.loadAverageAtStart,
      loadAverageAtEnd: loadAverages(),
      loadAverage1mMax: driven.loadAverage1mMax,
      generatorCpuMs: driven.generatorCpuMs,
      generatorCoresUsed: driven.generatorCoresUsed,
    },
    result: { ...result, approvedCount: approved.length },
    verification: input.verification,
  };
}

export function progressLine(snapshot: ProgressSnapshot, loadAverage1m: number): string {
  const phase = snapshot.warmingUp ? 'warm-up' : 'measure';
  const seconds = (snapshot.elapsedMs / 1000).toFixed(0).padStart(4);
  return `${seconds}s ${phase} rate=${snapshot.ratePerSecond}/s p50=${snapshot.p50Ms.toFixed(2)}ms p99=${snapshot.p99Ms.toFixed(2)}ms errors=${snapshot.errors} load=${loadAverage1m.toFixed(2)}\n`;
}

function sideLine(name: string, side: SideVerification): string {
  return `  ${name.padEnd(9)} expected=${side.expected} found=${side.found} matched=${side.matched} lost=${side.lostCount} duplicated=${side.duplicatedCount} unknown=${side.unknownCount} authCodeMismatch=${side.authCodeMismatchCount}`;
}

export function humanReport(document: BenchDocument): string {
  const result = document.result;
  const mode = result.mode.kind === 'open' ? `open loop at ${result.mode.ratePerSecond}/s` : 'closed loop';
  const latency = result.latencyMs;
  const lines = [
    `acq bench: ${document.target.kind} ${document.target.host}:${document.target.port}, ${result.terminals} terminals, ${mode}, ${result.durationMs / 1000}s measured after ${result.warmupMs / 1000}s warm-up`,
    `achieved ${result.achievedRatePerSecond}/s (approved purchases ${result.approvedPurchasesPerSecond}/s), ${result.completed} answered of ${result.sent} sent`,
    `latency ms: p50 ${latency.p50} p90 ${latency.p90} p99 ${latency.p99} p99.9 ${latency.p999} max ${latency.max}`,
    `response codes: ${JSON.stringify(result.responseCodes)}`,
    `by kind: ${Object.entries(result.byKind)
      .map(([kind, figures]) => `${kind} n=${figures.count} p50=${figures.p50Ms}ms p99=${figures.p99Ms}ms`)
      .join('; ')}`,
    `timeouts ${result.timeouts} (reversed ${result.reversedAfterTimeout}), connection errors ${result.connectionErrors}, skipped (no idle terminal) ${result.skippedNoIdleTerminal}`,
    `machine: ${document.machine.cpus} cpus, load average start ${document.machine.loadAverageAtStart.join(' ')}, end ${document.machine.loadAverageAtEnd.join(' ')}, 1m max ${document.machine.loadAverage1mMax}; the generator used ${document.machine.generatorCoresUsed} cores`,
  ];
  const verification = document.verification;
  if (verification === null) lines.push('verification: skipped');
  else {
    lines.push(`verification: ${verification.passed ? 'PASSED' : 'FAILED'} (${result.approvedCount} approvals)`);
    lines.push(sideLine('network', verification.network), sideLine('platform', verification.platform));
  }
  return `${lines.join('\n')}\n`;
}
