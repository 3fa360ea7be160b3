/**
 * UnionPay-style lockout of 4-element verification, kept by the registry itself so a card is locked even
 * if the provider forgets (or a second provider is used): 3 consecutive failures lock the card for 12 h
 * or until the next Asia/Shanghai midnight, whichever comes first; more than 10 attempts in one day lock
 * it until midnight. Pure: the store loads and saves the counters.
 */
import { assert } from '@acq/assert';

/** Asia/Shanghai has no daylight saving: a fixed +08:00 offset. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

export type IdentityAttempts = {
  /** Asia/Shanghai calendar day (YYYY-MM-DD) the daily count belongs to. */
  readonly day: string;
  readonly attemptsToday: number;
  readonly consecutiveFailures: number;
  /** 0 when not locked. */
  readonly lockedUntilMs: number;
};

export type LockoutPolicy = {
  readonly consecutiveFailuresMax: number;
  readonly attemptsPerDayMax: number;
  readonly lockoutMs: number;
};

export function shanghaiDay(nowMs: number): string {
  return new Date(nowMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

export function nextShanghaiMidnightMs(nowMs: number): number {
  const shifted = nowMs + SHANGHAI_OFFSET_MS;
  const midnight = shifted - (shifted % DAY_MS) + DAY_MS - SHANGHAI_OFFSET_MS;
  assert(midnight > nowMs && midnight - nowMs <= DAY_MS, 'the next midnight is within a day');
  return midnight;
}

export function freshAttempts(nowMs: number): IdentityAttempts {
  return { day: shanghaiDay(nowMs), attemptsToday: 0, consecutiveFailures: 0, lockedUntilMs: 0 };
}

/** The counters as they stand at `nowMs` (a new day resets the daily count; a lock may have lapsed). */
export function currentAttempts(stored: IdentityAttempts | undefined, nowMs: number): IdentityAttempts {
  if (stored === undefined) return freshAttempts(nowMs);
  const today = shanghaiDay(nowMs);
  const lapsed = stored.lockedUntilMs !== 0 && stored.lockedUntilMs <= nowMs;
  return {
    day: today,
    attemptsToday: stored.day === today ? stored.attemptsToday : 0,
    consecutiveFailures: lapsed ? 0 : stored.consecutiveFailures,
    lockedUntilMs: lapsed ? 0 : stored.lockedUntilMs,
  };
}

/** Whether a new attempt may go to the provider now; the daily cap refuses the 11th attempt. */
export function lockedUntil(attempts: IdentityAttempts, policy: LockoutPolicy, nowMs: number): number {
  if (attempts.lockedUntilMs > nowMs) return attempts.lockedUntilMs;
  if (attempts.attemptsToday >= policy.attemptsPerDayMax) return nextShanghaiMidnightMs(nowMs);
  return 0;
}

/** Counters after one attempt with the given outcome. */
export function recordAttempt(
  attempts: IdentityAttempts,
  matched: boolean,
  policy: LockoutPolicy,
  nowMs: number,
): IdentityAttempts {
  assert(lockedUntil(attempts, policy, nowMs) === 0, 'a locked card is not verified');
  const attemptsToday = attempts.attemptsToday + 1;
  const consecutiveFailures = matched ? 0 : attempts.consecutiveFailures + 1;
  const midnightMs = nextShanghaiMidnightMs(nowMs);
  let lockedUntilMs = 0;
  if (consecutiveFailures >= policy.consecutiveFailuresMax)
    lockedUntilMs = Math.min(nowMs + policy.lockoutMs, midnightMs);
  if (attemptsToday >= policy.attemptsPerDayMax && !matched) lockedUntilMs = Math.max(lockedUntilMs, midnightMs);
  return { day: attempts.day, attemptsToday, consecutiveFailures, lockedUntilMs };
}
