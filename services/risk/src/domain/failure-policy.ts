/**
 * What each rule group does when risk cannot evaluate it in time (Redis slow or down).
 *
 * | group | rules | when unavailable |
 * |---|---|---|
 * | limits | limit.merchant.*, limit.terminal.*, limit.card.* period counters, T0 quota | fail closed: DECLINE 96 (limit.unavailable); T0 not eligible |
 * | pattern watch list | pattern.watch.card / .terminal / .merchant | fail open: APPROVE_AND_FLAG (pattern.watch.unavailable) |
 * | state, 跳码, blacklists, single limits | in memory, never unavailable | - |
 *
 * Limits fail closed because an unchecked limit is money the acquirer may never recover (cash-out
 * rings probe for exactly this); pattern rules fail open because they only ever flag.
 */
import { decline, flag, type RuleFiring } from './assessment.ts';

export const FailurePolicy = { closed: 'closed', open: 'open' } as const;
export type FailurePolicy = (typeof FailurePolicy)[keyof typeof FailurePolicy];

export const RULE_GROUP_FAILURE_POLICY = {
  limits: FailurePolicy.closed,
  patternWatch: FailurePolicy.open,
} as const satisfies Record<string, FailurePolicy>;

export function unavailableFirings(consumesLimits: boolean, errorCode: string): RuleFiring[] {
  const firings: RuleFiring[] = [];
  if (consumesLimits && RULE_GROUP_FAILURE_POLICY.limits === FailurePolicy.closed) {
    firings.push(decline('limit.unavailable', '96', `limit counters unavailable (${errorCode})`));
  }
  if (RULE_GROUP_FAILURE_POLICY.patternWatch === FailurePolicy.open) {
    firings.push(flag('pattern.watch.unavailable', `pattern watch list unavailable (${errorCode})`));
  }
  return firings;
}
