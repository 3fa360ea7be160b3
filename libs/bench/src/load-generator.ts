import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import type { TerminalSimulator, TestCard, TransactionResult } from '@acq/terminal-protocol';
import { LatencyHistogram } from './latency-histogram.ts';

/** How often the open-loop scheduler wakes to send what is due. */
const SCHEDULER_TICK_MS = 2;
/** Requests sent in one scheduler tick at most, so a stalled loop does not burst. */
const REQUESTS_PER_TICK_MAX = 500;
export const BENCH_TERMINALS_MAX = 5_000;

export type LoadMode = { kind: 'open'; ratePerSecond: number } | { kind: 'closed' };

export interface TransactionMix {
  purchase: number;
  balance: number;
  void: number;
}

export interface ApprovedRecord {
  terminalId: string;
  stan: string;
  batchNumber: string;
  rrn: string;
  authCode: string;
  amountFen: Fen;
  kind: TransactionResult['kind'];
}

export interface ProgressSnapshot {
  elapsedMs: number;
  warmingUp: boolean;
  ratePerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export interface LoadReport {
  mode: LoadMode;
  terminals: number;
  durationMs: number;
  warmupMs: number;
  sent: number;
  completed: number;
  achievedRatePerSecond: number;
  approvedPurchasesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  responseCodes: Record<string, number>;
  byKind: Record<string, { count: number; p50Ms: number; p99Ms: number }>;
  timeouts: number;
  connectionErrors: number;
  /** Open loop only: requests that found every terminal busy (the load was more than the terminals could carry). */
  skippedNoIdleTerminal: number;
  approved: ApprovedRecord[];
  reversedAfterTimeout: number;
}

export interface LoadOptions {
  terminals: readonly TerminalSimulator[];
  cards: readonly TestCard[];
  mode: LoadMode;
  durationMs: number;
  warmupMs: number;
  mix: TransactionMix;
  amountFenMin: number;
  amountFenMax: number;
  onProgress?(snapshot: ProgressSnapshot): void;
}

interface Lane {
  terminal: TerminalSimulator;
  busy: boolean;
  lastPurchase: TransactionResult | undefined;
  card: TestCard;
}

type Kind = 'purchase' | 'balance' | 'void';

/**
 * Drives signed-in terminals against the gateway. Open loop sends at the target rate whatever the
 * answers do, and measures each request from the moment it was due (no coordinated omission);
 * closed loop keeps every terminal busy back to back. Warm-up results are not counted.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  assert(options.terminals.length > 0 && options.terminals.length <= BENCH_TERMINALS_MAX, 'terminal count');
  assert(options.cards.length > 0, 'at least one card');
  assert(options.durationMs > 0 && options.warmupMs >= 0, 'durations');
  const startedAtMs = performance.now();
  const state = new LoadState(options, startedAtMs + options.warmupMs);
  const endAtMs = startedAtMs + options.warmupMs + options.durationMs;
  const progress = setInterval(() => options.onProgress?.(state.snapshot(performance.now() - startedAtMs)), 1_000);
  try {
    if (options.mode.kind === 'open') await runOpenLoop(state, options.mode.ratePerSecond, startedAtMs, endAtMs);
    else await Promise.all(state.lanes.map((lane) => runClosedLane(state, lane, endAtMs)));
    await state.drained();
  } finally {
    clearInterval(progress);
  }
  return state.report(startedAtMs);
}

async function runOpenLoop(state: LoadState, ratePerSecond: number, startedAtMs: number, endAtMs: number) {
  assert(ratePerSecond > 0, 'rate must be positive');
  let issued = 0;
  while (performance.now() < endAtMs) {
    const nowMs = performance.now();
    // Request i is due at i / rate seconds: request 0 at the start, so i is due once the count of
    // elapsed intervals reaches i (counting i + 1 requests due), not one interval after it.
    const due = Math.floor(((nowMs - startedAtMs) / 1000) * ratePerSecond) + 1;
    let sentThisTick = 0;
    while (issued < due && sentThisTick < REQUESTS_PER_TICK_MAX) {
      const dueAtMs = startedAtMs + (issued / ratePerSecond) * 1000;
      issued++;
      sentThisTick++;
      const lane = state.idleLane();
      if (lane === undefined) state.skipped(dueAtMs);
      else state.start(lane, dueAtMs);
    }
    await new Promise((resolve) => setTimeout(resolve, SCHEDULER_TICK_MS));
  }
}

async function runClosedLane(state: LoadState, lane: Lane, endAtMs: number): Promise<void> {
  while (performance.now() < endAtMs) await state.execute(lane, performance.now());
}

class LoadState {
  readonly lanes: Lane[];
  readonly #options: LoadOptions;
  readonly #idle: Lane[];
  readonly #all = new LatencyHistogram();
  readonly #window = new LatencyHistogram();
  readonly #byKind = new Map<Kind, LatencyHistogram>();
  readonly #codes = new Map<string, number>();
  readonly #approved: ApprovedRecord[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #sent = 0;
  #completed = 0;
  #windowCompleted = 0;
  #windowErrors = 0;
  #timeouts = 0;
  #connectionErrors = 0;
  #skipped = 0;
  #reversed = 0;
  #approvedPurchases = 0;
  readonly #measuredFromMs: number;
  #seed = 12_345;

  constructor(options: LoadOptions, measuredFromMs: number) {
    this.#options = options;
    this.#measuredFromMs = measuredFromMs;
    this.lanes = options.terminals.map((terminal, index) => ({
      terminal,
      busy: false,
      lastPurchase: undefined,
      card: options.cards[index % options.cards.length] as TestCard,
    }));
    this.#idle = [...this.lanes];
  }

  idleLane(): Lane | undefined {
    return this.#idle.pop();
  }

  skipped(dueAtMs: number): void {
    if (dueAtMs >= this.#measuredFromMs) this.#skipped++;
  }

  start(lane: Lane, dueAtMs: number): void {
    const running = this.execute(lane, dueAtMs).finally(() => {
      this.#inFlight.delete(running);
      this.#idle.push(lane);
    });
    this.#inFlight.add(running);
  }

  async drained(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async execute(lane: Lane, dueAtMs: number): Promise<void> {
    lane.busy = true;
    this.#sent++;
    const kind = this.#pickKind(lane);
    const measured = dueAtMs >= this.#measuredFromMs;
    try {
      const result = await this.#send(lane, kind);
      this.#record(lane, kind, result, performance.now() - dueAtMs, measured);
    } catch (error) {
      await this.#failed(lane, error, measured);
    } finally {
      lane.busy = false;
    }
  }

  #pickKind(lane: Lane): Kind {
    const mix = this.#options.mix;
    this.#seed = (this.#seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const draw = (this.#seed / 2 ** 31) * (mix.purchase + mix.balance + mix.void);
    if (draw < mix.purchase) return 'purchase';
    if (draw < mix.purchase + mix.balance) return 'balance';
    return lane.lastPurchase === undefined ? 'purchase' : 'void';
  }

  #send(lane: Lane, kind: Kind): Promise<TransactionResult> {
    if (kind === 'balance') return lane.terminal.balance(lane.card);
    if (kind === 'void' && lane.lastPurchase !== undefined) {
      const original = lane.lastPurchase;
      lane.lastPurchase = undefined;
      return lane.terminal.void(original, lane.card);
    }
    const span = this.#options.amountFenMax - this.#options.amountFenMin + 1;
    const amount = this.#options.amountFenMin + (this.#sent % span);
    return lane.terminal.purchase(lane.card, fen(amount));
  }

  #record(lane: Lane, kind: Kind, result: TransactionResult, latencyMs: number, measured: boolean): void {
    if (kind === 'purchase' && result.responseCode === '00') lane.lastPurchase = result;
    if (result.responseCode === '00' && kind !== 'balance') {
      this.#approved.push({
        terminalId: lane.terminal.identity.terminalId,
        stan: result.stan,
        batchNumber: result.batchNumber,
        rrn: result.rrn,
        authCode: result.authCode,
        amountFen: result.amountFen,
        kind: result.kind,
      });
    }
    this.#windowCompleted++;
    this.#window.recordMs(latencyMs);
    if (!measured) return;
    this.#completed++;
    if (kind === 'purchase' && result.responseCode === '00') this.#approvedPurchases++;
    this.#all.recordMs(latencyMs);
    this.#histogramOf(kind).recordMs(latencyMs);
    this.#codes.set(result.responseCode, (this.#codes.get(result.responseCode) ?? 0) + 1);
  }

  async #failed(lane: Lane, error: unknown, measured: boolean): Promise<void> {
    this.#windowErrors++;
    const timedOut = (error as { code?: string }).code === 'TIMEOUT';
    if (measured && timedOut) this.#timeouts++;
    if (measured && !timedOut) this.#connectionErrors++;
    const lastSent = lane.terminal.lastRequest;
    if (timedOut && lastSent !== undefined) {
      const reversal = await lane.terminal.reverse(lastSent).catch(() => undefined);
      if (reversal?.responseCode === '00') this.#reversed++;
    }
  }

  #histogramOf(kind: Kind): LatencyHistogram {
    let histogram = this.#byKind.get(kind);
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      this.#byKind.set(kind, histogram);
    }
    return histogram;
  }

  snapshot(elapsedMs: number): ProgressSnapshot {
    const snapshot = {
      elapsedMs,
      warmingUp: elapsedMs < this.#options.warmupMs,
      ratePerSecond: this.#windowCompleted,
      p50Ms: this.#window.percentileMs(50),
      p99Ms: this.#window.percentileMs(99),
      errors: this.#windowErrors,
    };
    this.#window.reset();
    this.#windowCompleted = 0;
    this.#windowErrors = 0;
    return snapshot;
  }

  report(startedAtMs: number): LoadReport {
    const measuredMs = Math.max(1, performance.now() - startedAtMs - this.#options.warmupMs);
    const byKind: LoadReport['byKind'] = {};
    for (const [kind, histogram] of this.#byKind) {
      byKind[kind] = { count: histogram.count, p50Ms: histogram.percentileMs(50), p99Ms: histogram.percentileMs(99) };
    }
    return {
      mode: this.#options.mode,
      terminals: this.lanes.length,
      durationMs: this.#options.durationMs,
      warmupMs: this.#options.warmupMs,
      sent: this.#sent,
      completed: this.#completed,
      achievedRatePerSecond: Math.round((this.#completed / measuredMs) * 1000),
      approvedPurchasesPerSecond: Math.round((this.#approvedPurchases / measuredMs) * 1000),
      latencyMs: {
        p50: this.#all.percentileMs(50),
        p90: this.#all.percentileMs(90),
        p99: this.#all.percentileMs(99),
        p999: this.#all.percentileMs(99.9),
        max: this.#all.maxMs,
      },
      responseCodes: Object.fromEntries(this.#codes),
      byKind,
      timeouts: this.#timeouts,
      connectionErrors: this.#connectionErrors,
      skippedNoIdleTerminal: this.#skipped,
      approved: this.#approved,
      reversedAfterTimeout: this.#reversed,
    };
  }
}
