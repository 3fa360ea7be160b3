/**
 * Pattern rules over sliding windows, evaluated off the decision path. The store keeps the windows
 * and answers counts; these pure functions decide which observations enter which window and which
 * counts make a case. Thresholds come from the policy.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { FeeCategory, MerchantType } from './assessment.ts';
import type { WatchSubject } from './watch.ts';
import { shanghaiHour } from './limit-plan.ts';
import type { RiskPolicy } from './policy.ts';

export interface PatternObservation {
  txnId: string;
  merchantId: string;
  terminalId: string;
  cardToken: string;
  amountFen: Fen;
  occurredAtMs: number;
  merchantType: MerchantType;
  feeCategory: FeeCategory;
  contactlessWithoutPin: boolean;
}

export interface WindowCounts {
  distinctCardsAtTerminal: number;
  distinctMerchantsForCard: number;
  nightRoundCount: number;
  justUnderLimitCount: number;
  categorySampleCount: number;
  categoryAmountSumFen: bigint;
}

export interface PatternHit {
  rule: string;
  reason: string;
  subject: WatchSubject;
  subjectId: string;
}

export function isNightRoundAmount(observation: PatternObservation, patterns: RiskPolicy['patterns']): boolean {
  const hour = shanghaiHour(observation.occurredAtMs);
  const atNight =
    patterns.nightStartHour <= patterns.nightEndHour
      ? hour >= patterns.nightStartHour && hour < patterns.nightEndHour
      : hour >= patterns.nightStartHour || hour < patterns.nightEndHour;
  return (
    atNight &&
    observation.amountFen >= patterns.nightAmountFenMin &&
    observation.amountFen % patterns.nightRoundUnitFen === 0n
  );
}

/** True when the amount sits within the margin just below a limit the merchant or card faces. */
export function isJustUnderLimit(observation: PatternObservation, policy: RiskPolicy): boolean {
  const limits = [policy.limits[observation.merchantType].singleAmountFen, policy.limits.t0SingleAmountFen];
  if (observation.contactlessWithoutPin) limits.push(policy.limits.contactlessNoPinAmountFen);
  const marginPercent = BigInt(policy.patterns.justUnderLimitPercent);
  return limits.some((limit) => {
    const floor = (limit * (100n - marginPercent)) / 100n;
    return observation.amountFen >= floor && observation.amountFen <= limit;
  });
}

export function categoryTicketMaxFen(feeCategory: FeeCategory, patterns: RiskPolicy['patterns']): Fen | undefined {
  if (feeCategory === 'discounted') return patterns.discountedAverageTicketFenMax;
  if (feeCategory === 'exempt') return patterns.exemptAverageTicketFenMax;
  return undefined;
}

export function evaluatePatterns(
  observation: PatternObservation,
  counts: WindowCounts,
  policy: RiskPolicy,
): PatternHit[] {
  const patterns = policy.patterns;
  const hits: PatternHit[] = [];
  if (counts.distinctCardsAtTerminal >= patterns.manyCardsDistinctMin) {
    hits.push({
      rule: 'pattern.many_cards_one_terminal',
      reason: `${counts.distinctCardsAtTerminal} cards at one terminal within ${patterns.manyCardsWindowMs / 60_000} min`,
      subject: 'terminal',
      subjectId: observation.terminalId,
    });
  }
  if (observation.cardToken !== '' && counts.distinctMerchantsForCard >= patterns.cardManyMerchantsDistinctMin) {
    hits.push({
      rule: 'pattern.one_card_many_merchants',
      reason: `one card at ${counts.distinctMerchantsForCard} merchants within ${patterns.cardManyMerchantsWindowMs / 60_000} min`,
      subject: 'card',
      subjectId: observation.cardToken,
    });
  }
  if (counts.nightRoundCount >= patterns.nightCountMin) {
    hits.push({
      rule: 'pattern.night_round_amounts',
      reason: `${counts.nightRoundCount} large round amounts at night`,
      subject: 'merchant',
      subjectId: observation.merchantId,
    });
  }
  if (counts.justUnderLimitCount >= patterns.justUnderLimitCountMin) {
    hits.push({
      rule: 'pattern.just_under_limit',
      reason: `${counts.justUnderLimitCount} amounts just under a limit (cash-out pattern)`,
      subject: 'merchant',
      subjectId: observation.merchantId,
    });
  }
  const categoryHit = evaluateCategory(observation, counts, patterns);
  if (categoryHit !== undefined) hits.push(categoryHit);
  return hits;
}

function evaluateCategory(
  observation: PatternObservation,
  counts: WindowCounts,
  patterns: RiskPolicy['patterns'],
): PatternHit | undefined {
  const ticketMaxFen = categoryTicketMaxFen(observation.feeCategory, patterns);
  if (ticketMaxFen === undefined || counts.categorySampleCount < patterns.categorySampleMin) return undefined;
  assert(counts.categorySampleCount > 0, 'an average needs samples');
  const averageFen = counts.categoryAmountSumFen / BigInt(counts.categorySampleCount);
  if (averageFen <= ticketMaxFen) return undefined;
  return {
    rule: 'pattern.category_mismatch',
    reason: `${observation.feeCategory}-rate merchant averages ${averageFen} fen per ticket over ${counts.categorySampleCount} transactions (standard-category traffic)`,
    subject: 'merchant',
    subjectId: observation.merchantId,
  };
}
