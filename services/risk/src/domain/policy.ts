/**
 * Risk policy: every threshold a rule uses. Defaults are the local-start policy; each value can be
 * overridden by an environment variable derived from its path (config.ts), so thresholds are
 * configuration, not code. Amounts are integer fen.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export interface PeriodLimits {
  dailyAmountFen: Fen;
  dailyCount: number;
  monthlyAmountFen: Fen;
  monthlyCount: number;
}

export interface MerchantTypeLimits {
  singleAmountFen: Fen;
  merchant: PeriodLimits;
  terminal: PeriodLimits;
}

export interface CardKindLimits {
  singleAmountFen: Fen;
  card: PeriodLimits;
}

export interface RiskPolicy {
  limits: {
    individual: MerchantTypeLimits;
    enterprise: MerchantTypeLimits;
    debit: CardKindLimits;
    credit: CardKindLimits;
    contactlessNoPinAmountFen: Fen;
    t0SingleAmountFen: Fen;
    t0DailyQuotaFen: Fen;
  };
  state: {
    reboundRecentlyMs: number;
    locationRadiusMeters: number;
    /** 1 = decline outside the registered area, 0 = approve and flag. */
    locationOutsideDecline: number;
  };
  patterns: {
    manyCardsWindowMs: number;
    manyCardsDistinctMin: number;
    cardManyMerchantsWindowMs: number;
    cardManyMerchantsDistinctMin: number;
    nightStartHour: number;
    nightEndHour: number;
    nightAmountFenMin: Fen;
    nightRoundUnitFen: Fen;
    nightWindowMs: number;
    nightCountMin: number;
    justUnderLimitPercent: number;
    justUnderLimitWindowMs: number;
    justUnderLimitCountMin: number;
    categoryWindowMs: number;
    categorySampleMin: number;
    discountedAverageTicketFenMax: Fen;
    exemptAverageTicketFenMax: Fen;
  };
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

function period(
  dailyAmountFen: bigint,
  dailyCount: number,
  monthlyAmountFen: bigint,
  monthlyCount: number,
): PeriodLimits {
  return {
    dailyAmountFen: dailyAmountFen as Fen,
    dailyCount,
    monthlyAmountFen: monthlyAmountFen as Fen,
    monthlyCount,
  };
}

/** Local-start policy. Individual (小微) merchants get the tighter limits. */
export function defaultRiskPolicy(): RiskPolicy {
  return {
    limits: {
      individual: {
        singleAmountFen: 2_000_000n as Fen, // 20,000 CNY
        merchant: period(5_000_000n, 200, 100_000_000n, 3_000),
        terminal: period(5_000_000n, 200, 100_000_000n, 3_000),
      },
      enterprise: {
        singleAmountFen: 50_000_000n as Fen, // 500,000 CNY
        merchant: period(500_000_000n, 10_000, 10_000_000_000n, 200_000),
        terminal: period(100_000_000n, 3_000, 2_000_000_000n, 60_000),
      },
      debit: { singleAmountFen: 5_000_000n as Fen, card: period(10_000_000n, 50, 100_000_000n, 500) },
      credit: { singleAmountFen: 5_000_000n as Fen, card: period(10_000_000n, 50, 100_000_000n, 500) },
      contactlessNoPinAmountFen: 100_000n as Fen, // 1,000 CNY QuickPass no-CVM limit
      t0SingleAmountFen: 5_000_000n as Fen,
      t0DailyQuotaFen: 20_000_000n as Fen,
    },
    state: { reboundRecentlyMs: 72 * HOUR_MS, locationRadiusMeters: 50_000, locationOutsideDecline: 1 },
    patterns: {
      manyCardsWindowMs: 10 * MINUTE_MS,
      manyCardsDistinctMin: 8,
      cardManyMerchantsWindowMs: 60 * MINUTE_MS,
      cardManyMerchantsDistinctMin: 5,
      nightStartHour: 0,
      nightEndHour: 6,
      nightAmountFenMin: 500_000n as Fen, // 5,000 CNY
      nightRoundUnitFen: 100_000n as Fen, // whole thousands of yuan
      nightWindowMs: 24 * HOUR_MS,
      nightCountMin: 3,
      justUnderLimitPercent: 5,
      justUnderLimitWindowMs: 24 * HOUR_MS,
      justUnderLimitCountMin: 3,
      categoryWindowMs: 7 * 24 * HOUR_MS,
      categorySampleMin: 20,
      discountedAverageTicketFenMax: 50_000n as Fen, // 500 CNY average at a supermarket / fuel
      exemptAverageTicketFenMax: 100_000n as Fen,
    },
  };
}

function assertPeriod(limits: PeriodLimits, name: string): void {
  assert(limits.dailyAmountFen > 0n && limits.dailyCount > 0, `${name}: daily limits must be positive`);
  assert(limits.dailyAmountFen <= limits.monthlyAmountFen, `${name}: daily amount must not exceed monthly`);
  assert(limits.dailyCount <= limits.monthlyCount, `${name}: daily count must not exceed monthly`);
  // Lua numbers are doubles: counters stay exact only below 2^53.
  assert(limits.monthlyAmountFen < 2n ** 53n, `${name}: monthly amount must stay below 2^53 fen`);
}

/** Relationships the rules rely on; a policy breaking them is refused at start-up. */
export function validateRiskPolicy(policy: RiskPolicy): void {
  for (const type of ['individual', 'enterprise'] as const) {
    const limits = policy.limits[type];
    assertPeriod(limits.merchant, `${type}.merchant`);
    assertPeriod(limits.terminal, `${type}.terminal`);
    assert(limits.singleAmountFen <= limits.merchant.dailyAmountFen, `${type}: single must not exceed daily`);
  }
  for (const kind of ['debit', 'credit'] as const) {
    assertPeriod(policy.limits[kind].card, `${kind}.card`);
    assert(policy.limits[kind].singleAmountFen > 0n, `${kind}: single limit must be positive`);
  }
  assert(policy.limits.t0SingleAmountFen <= policy.limits.t0DailyQuotaFen, 't0 single must not exceed quota');
  const patterns = policy.patterns;
  assert(patterns.nightStartHour >= 0 && patterns.nightStartHour < 24, 'night start hour 0..23');
  assert(patterns.nightEndHour >= 0 && patterns.nightEndHour < 24, 'night end hour 0..23');
  assert(patterns.nightRoundUnitFen > 0n, 'round unit must be positive');
  assert(patterns.justUnderLimitPercent > 0 && patterns.justUnderLimitPercent < 100, 'margin percent 1..99');
  assert(patterns.manyCardsDistinctMin >= 2 && patterns.cardManyMerchantsDistinctMin >= 2, 'distinct >= 2');
  assert(policy.state.locationOutsideDecline === 0 || policy.state.locationOutsideDecline === 1, '0 or 1');
}
