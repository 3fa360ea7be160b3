/**
 * Off the decision path: takes signals (rule firings worth an operator's attention) and pattern
 * observations from Assess through one bounded queue, evaluates the sliding-window patterns, puts
 * the subjects of new cases on watch, and records alerts and cases in Postgres with their events.
 * Batches, never per-event reactions; when the queue is full new work is dropped and counted
 * (patterns only flag, so losing some under overload is the safe direction).
 */
import { assert } from '@acq/assert';
import type { AssessInput, RuleFiring } from '../domain/assessment.ts';
import type { RiskSignal } from '../domain/cases.ts';
import {
  evaluatePatterns,
  isJustUnderLimit,
  isNightRoundAmount,
  type PatternObservation,
  type WindowCounts,
  categoryTicketMaxFen,
} from '../domain/pattern-rules.ts';
import type { RiskPolicy } from '../domain/policy.ts';
import { signalsFromFirings } from '../domain/signals.ts';
import { watchKey } from '../domain/watch.ts';
import {
  CASE_WATCH_TTL_SECONDS,
  PATTERN_BATCH_SIZE_MAX,
  PATTERN_QUEUE_LENGTH_MAX,
  PATTERN_SCRIPT_OBSERVATIONS_MAX,
} from '../limits.ts';
import type { PatternWindows } from '../store/pattern-windows.ts';
import type { RedisCounters } from '../store/redis-counters.ts';
import type { RiskStore } from '../store/risk-store.ts';

type Work = { kind: 'signals'; signals: RiskSignal[] } | { kind: 'observation'; observation: PatternObservation };

export interface RiskMonitorDependencies {
  policy: RiskPolicy;
  windows: PatternWindows;
  counters: RedisCounters;
  store: RiskStore;
  onError(operation: string, error: unknown): void;
}

export class RiskMonitor {
  readonly #deps: RiskMonitorDependencies;
  #queue: Work[] = [];
  #draining: Promise<void> | undefined;
  droppedCount = 0;
  processedCount = 0;

  constructor(deps: RiskMonitorDependencies) {
    this.#deps = deps;
  }

  /** Decision-path hook: never blocks, never throws. */
  record(input: AssessInput, firings: readonly RuleFiring[]): void {
    const signals = signalsFromFirings(input, firings);
    if (signals.length > 0) this.#enqueue({ kind: 'signals', signals });
  }

  observe(observation: PatternObservation): void {
    this.#enqueue({ kind: 'observation', observation });
  }

  #enqueue(work: Work): void {
    if (this.#queue.length >= PATTERN_QUEUE_LENGTH_MAX) {
      this.droppedCount += 1;
      return;
    }
    this.#queue.push(work);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Resolves when everything queued so far was processed (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Yield once so a burst of Assess calls lands in one batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, PATTERN_BATCH_SIZE_MAX);
      assert(batch.length > 0, 'a drain pass takes work');
      try {
        await this.#process(batch);
      } catch (error) {
        this.#deps.onError('risk_monitor_batch', error);
      }
      this.processedCount += batch.length;
    }
  }

  async #process(batch: readonly Work[]): Promise<void> {
    const signals: RiskSignal[] = [];
    const observations: PatternObservation[] = [];
    for (const work of batch) {
      if (work.kind === 'signals') signals.push(...work.signals);
      else observations.push(work.observation);
    }
    if (observations.length > 0) signals.push(...(await this.#evaluate(observations)));
    if (signals.length === 0) return;
    const cases = await this.#deps.store.recordSignals(signals);
    assert(cases.length <= signals.length, 'each signal touches at most one case');
  }

  async #evaluate(observations: readonly PatternObservation[]): Promise<RiskSignal[]> {
    const policy = this.#deps.policy;
    const items = observations.map((observation) => ({
      observation,
      flags: {
        nightRound: isNightRoundAmount(observation, policy.patterns),
        justUnderLimit: isJustUnderLimit(observation, policy),
        categorySample: categoryTicketMaxFen(observation.feeCategory, policy.patterns) !== undefined,
      },
    }));
    const counts: WindowCounts[] = [];
    for (let offset = 0; offset < items.length; offset += PATTERN_SCRIPT_OBSERVATIONS_MAX) {
      const slice = items.slice(offset, offset + PATTERN_SCRIPT_OBSERVATIONS_MAX);
      counts.push(...(await this.#deps.windows.observeBatch(slice, policy.patterns)));
    }
    assert(counts.length === observations.length, 'one count set per observation');
    const signals: RiskSignal[] = [];
    for (const [index, observation] of observations.entries()) {
      const windowCounts = counts[index];
      assert(windowCounts !== undefined, 'counts line up with observations');
      for (const hit of evaluatePatterns(observation, windowCounts, policy)) {
        await this.#deps.counters.setWatch(watchKey(hit.subject, hit.subjectId), hit.rule, CASE_WATCH_TTL_SECONDS);
        signals.push({
          rule: hit.rule,
          reason: hit.reason,
          decision: 'approve_and_flag',
          merchantId: observation.merchantId,
          terminalId: observation.terminalId,
          cardToken: observation.cardToken,
          txnId: observation.txnId,
          occurredAtMs: observation.occurredAtMs,
          opensCase: true,
        });
      }
    }
    return signals;
  }
}
