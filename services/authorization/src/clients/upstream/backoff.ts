/**
 * Exponential backoff with symmetric jitter, so reconnecting replicas do not hammer the network in
 * step. Pure: the random source is passed in, which keeps tests deterministic.
 */
import { assert } from '@acq/assert';

export interface BackoffPolicy {
  delayMsMin: number;
  delayMsMax: number;
  /** Jitter as a fraction of the delay in per-mille: 250 means the delay varies by +-25%. */
  jitterPerMille: number;
}

/** Delay before attempt `failureCount + 1`: min * 2^failures, capped, then jittered and clamped. */
export function backoffDelayMs(policy: BackoffPolicy, failureCount: number, random: () => number): number {
  assert(Number.isInteger(failureCount) && failureCount >= 0, 'failure count is a non-negative integer');
  assert(policy.delayMsMin > 0 && policy.delayMsMin <= policy.delayMsMax, 'backoff bounds are ordered');
  assert(policy.jitterPerMille >= 0 && policy.jitterPerMille < 1_000, 'jitter below 100%');
  const exponent = Math.min(failureCount, 30);
  const base = Math.min(policy.delayMsMax, policy.delayMsMin * 2 ** exponent);
  const jitterMs = ((random() * 2 - 1) * base * policy.jitterPerMille) / 1_000;
  const delayMs = Math.round(Math.min(policy.delayMsMax, Math.max(policy.delayMsMin, base + jitterMs)));
  assert(delayMs >= policy.delayMsMin && delayMs <= policy.delayMsMax, 'delay inside the bounds');
  return delayMs;
}
