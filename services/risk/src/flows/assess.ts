/**
 * The Assess flow: pure state, 跳码 and blacklist rules in memory, then one Redis round trip that
 * checks and reserves every limit counter and reads the pattern watch list. When Redis is slow or
 * down, each rule group applies its written failure policy (domain/failure-policy.ts).
 */
import { assert } from '@acq/assert';
import {
  type AssessInput,
  type AssessOutcome,
  combineFirings,
  consumesLimits,
  decline,
  flag,
  isUndoOrCloseOut,
  reservationIdOf,
  type RuleFiring,
} from '../domain/assessment.ts';
import { unavailableFirings } from '../domain/failure-policy.ts';
import type { PatternObservation } from '../domain/pattern-rules.ts';
import { planLimits } from '../domain/limit-plan.ts';
import type { RiskPolicy } from '../domain/policy.ts';
import { type BlacklistView, evaluateBlacklists, evaluateTerminalState } from '../domain/state-rules.ts';
import { watchKeysFor } from '../domain/watch.ts';
import { RESERVATION_PENDING_MS_MAX } from '../limits.ts';
import type { RedisCounters, ReserveResult } from '../store/redis-counters.ts';

export interface AssessDependencies {
  policy: RiskPolicy;
  counters: RedisCounters;
  blacklist: BlacklistView;
  isT0Suspended(merchantId: string): boolean;
  /** Called off the decision path with every assessment that fired a recordable rule. */
  record(input: AssessInput, firings: readonly RuleFiring[]): void;
  /** Called off the decision path with every transaction that reserved counters (pattern rules). */
  observe(observation: PatternObservation): void;
  newReservationId(): string;
  onBackgroundError(operation: string, error: unknown): void;
  nowMs(): number;
}

export class AssessTimeout extends Error {
  override readonly name = 'AssessTimeout';
  readonly code = 'RISK_BUDGET_EXCEEDED';
}

function outcome(firings: RuleFiring[], reservationId: string, t0Eligible: boolean): AssessOutcome {
  const combined = combineFirings(firings);
  assert(combined.decision !== 'decline' || reservationId === '', 'a decline never holds counters');
  return { ...combined, firedRules: firings, reservationId, t0Eligible };
}

export async function assessTransaction(
  deps: AssessDependencies,
  input: AssessInput,
  budgetMs: number,
): Promise<AssessOutcome> {
  assert(budgetMs > 0, 'assess needs a positive budget');
  if (isUndoOrCloseOut(input.kind)) return outcome([], '', false);
  const firings = [
    ...evaluateTerminalState(input, deps.policy.state, deps.nowMs()),
    ...evaluateBlacklists(input, deps.blacklist),
  ];
  const limited = consumesLimits(input.kind);
  const plan = limited
    ? planLimits(input, deps.policy.limits, deps.isT0Suspended(input.terminal.merchantId))
    : undefined;
  if (plan !== undefined) firings.push(...plan.singleFirings);
  if (firings.some((firing) => firing.decision === 'decline')) {
    deps.record(input, firings);
    return outcome(firings, '', false);
  }
  const watchKeys = watchKeysFor(input);
  const reservationId = input.txnId === '' ? deps.newReservationId() : reservationIdOf(input.txnId);
  const reservation = deps.counters.reserve({
    reservationId,
    amountFen: input.amountFen,
    counters: plan?.counters ?? [],
    t0: plan?.t0,
    watchKeys: watchKeys.map((watch) => watch.key),
    pendingUntilMs: deps.nowMs() + RESERVATION_PENDING_MS_MAX,
  });
  let result: ReserveResult;
  try {
    result = await withBudget(reservation, budgetMs);
  } catch (error) {
    if (error instanceof AssessTimeout) releaseWhenLate(deps, reservation, reservationId);
    // Redis slow or down: the failure policy decides per rule group, and the error is counted by
    // the caller through the fired rule names, never swallowed silently.
    firings.push(...unavailableFirings(limited, errorCode(error)));
    deps.record(input, firings);
    return outcome(firings, '', false);
  }
  for (const index of result.watchedIndexes) {
    const watch = watchKeys[index];
    assert(watch !== undefined, 'watched index names a requested key');
    firings.push(flag(watch.rule, watch.reason));
  }
  if (result.kind === 'violated') {
    for (const violation of result.violations) {
      firings.push(
        violation.dimension === 'amount'
          ? decline(violation.check.amountRule, '61', 'amount limit for the period reached')
          : decline(violation.check.countRule, '65', 'count limit for the period reached'),
      );
    }
    return outcome(firings, '', false);
  }
  if (firings.length > 0) deps.record(input, firings);
  if (result.kind === 'none') return outcome(firings, '', false);
  if (result.kind === 'reserved') deps.observe(observationOf(input, reservationId));
  return outcome(firings, reservationId, result.t0Eligible);
}

/**
 * A reservation that lands after we already answered (slow Redis) holds counters for a decision
 * nobody will confirm: give them back as soon as it lands. If that release fails too, the sweeper
 * releases the reservation when its pending window ends.
 */
function releaseWhenLate(deps: AssessDependencies, reservation: Promise<ReserveResult>, reservationId: string): void {
  reservation
    .then((late) => (late.kind === 'reserved' ? deps.counters.release(reservationId, 'timed_out') : false))
    .catch((error: unknown) => deps.onBackgroundError('late_reservation_release', error));
}

function observationOf(input: AssessInput, reservationId: string): PatternObservation {
  return {
    txnId: input.txnId === '' ? reservationId : input.txnId,
    merchantId: input.terminal.merchantId,
    terminalId: input.terminal.terminalId,
    cardToken: input.cardToken,
    amountFen: input.amountFen,
    occurredAtMs: input.occurredAtMs,
    merchantType: input.terminal.merchantType,
    feeCategory: input.terminal.feeCategory,
    contactlessWithoutPin: input.entryMode === 'contactless' && !input.pinPresent,
  };
}

function errorCode(error: unknown): string {
  if (error instanceof AssessTimeout) return error.code;
  if (error instanceof Error) return (error as Error & { code?: string }).code ?? error.name;
  return 'UNKNOWN';
}

/** Rejects when the work outlives the budget; the work itself keeps running to completion. */
async function withBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    // Expired timers run before Node reads sockets: after a blocked event loop the budget would
    // fire ahead of a Redis reply already waiting. One setImmediate lets that reply win first.
    timer = setTimeout(
      () => setImmediate(() => reject(new AssessTimeout(`risk budget of ${budgetMs} ms exceeded`))),
      budgetMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
