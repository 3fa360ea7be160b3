/**
 * MCC categories and their default fee plans, as data. The category decides the merchant's rate
 * (standard ~0.60%, discounted ~0.38%, exempt 0, see DOMAIN-NOTES "Fees"); a merchant may carry an
 * override. Only MCCs listed here are accepted in applications: an unknown MCC is a typing error or an
 * attempt to pick a cheap category, and either way a reviewer must add it to the table first.
 */
import { assert } from '@acq/assert';
import { type Fen, fen, RATE_UNITS_PER_WHOLE } from '@acq/money';

export const FEE_CATEGORIES = ['standard', 'discounted', 'exempt'] as const;
export type FeeCategory = (typeof FEE_CATEGORIES)[number];

export interface FeePlan {
  readonly category: FeeCategory;
  readonly debitRateUnits: bigint;
  /** 0 = uncapped. */
  readonly debitCapFen: Fen;
  readonly creditRateUnits: bigint;
  readonly t0RateUnits: bigint;
  readonly t0FixedFen: Fen;
  /**
   * T0 limits of this merchant (the largest net one transaction is paid in real time; T0 + D0 gross
   * per day); undefined = the platform default that settlement configures.
   */
  readonly t0SingleLimitFen: Fen | undefined;
  readonly t0DailyQuotaFen: Fen | undefined;
}

/** The largest rate any plan may carry (5%): a bigger number is a decimal-point mistake. */
export const FEE_RATE_UNITS_MAX = 50_000n;
/** The largest fixed T0 surcharge per transaction (100 CNY). */
export const T0_FIXED_FEN_MAX = fen(10_000);
/** The largest debit cap (1,000 CNY). */
export const DEBIT_CAP_FEN_MAX = fen(100_000);
/** The largest per-merchant T0 single limit (1,000,000 CNY), as settlement's configurable default. */
export const T0_SINGLE_LIMIT_FEN_MAX = fen(100_000_000);
/** The largest per-merchant T0 daily quota (10,000,000 CNY), as settlement's configurable default. */
export const T0_DAILY_QUOTA_FEN_MAX = fen(1_000_000_000);

export const DEFAULT_FEE_PLANS: Readonly<Record<FeeCategory, FeePlan>> = {
  standard: {
    category: 'standard',
    debitRateUnits: 6000n,
    debitCapFen: fen(2000),
    creditRateUnits: 6000n,
    t0RateUnits: 400n,
    t0FixedFen: fen(0),
    t0SingleLimitFen: undefined,
    t0DailyQuotaFen: undefined,
  },
  discounted: {
    category: 'discounted',
    debitRateUnits: 3800n,
    debitCapFen: fen(2000),
    creditRateUnits: 3800n,
    t0RateUnits: 400n,
    t0FixedFen: fen(0),
    t0SingleLimitFen: undefined,
    t0DailyQuotaFen: undefined,
  },
  exempt: {
    category: 'exempt',
    debitRateUnits: 0n,
    debitCapFen: fen(0),
    creditRateUnits: 0n,
    t0RateUnits: 400n,
    t0FixedFen: fen(0),
    t0SingleLimitFen: undefined,
    t0DailyQuotaFen: undefined,
  },
};

/** MCC -> category and a short description, following the CUP MCC pricing classes. */
export const MCC_TABLE: ReadonlyMap<string, { readonly category: FeeCategory; readonly description: string }> = new Map(
  [
    ['5812', { category: 'standard', description: 'Restaurants' }],
    ['5813', { category: 'standard', description: 'Bars' }],
    ['5814', { category: 'standard', description: 'Fast food' }],
    ['7011', { category: 'standard', description: 'Hotels and lodging' }],
    ['5311', { category: 'standard', description: 'Department stores' }],
    ['5331', { category: 'standard', description: 'Variety stores' }],
    ['5651', { category: 'standard', description: 'Clothing' }],
    ['5661', { category: 'standard', description: 'Shoe stores' }],
    ['5732', { category: 'standard', description: 'Electronics' }],
    ['5912', { category: 'standard', description: 'Pharmacies' }],
    ['5945', { category: 'standard', description: 'Toys and games' }],
    ['5977', { category: 'standard', description: 'Cosmetics' }],
    ['5999', { category: 'standard', description: 'Miscellaneous retail' }],
    ['7230', { category: 'standard', description: 'Beauty and barber shops' }],
    ['7298', { category: 'standard', description: 'Health and beauty spas' }],
    ['7299', { category: 'standard', description: 'Miscellaneous personal services' }],
    ['7538', { category: 'standard', description: 'Car repair' }],
    ['8099', { category: 'standard', description: 'Private medical services' }],
    ['5411', { category: 'discounted', description: 'Supermarkets and grocery stores' }],
    ['5300', { category: 'discounted', description: 'Wholesale clubs' }],
    ['5422', { category: 'discounted', description: 'Fresh food markets' }],
    ['5541', { category: 'discounted', description: 'Service stations' }],
    ['5542', { category: 'discounted', description: 'Automated fuel dispensers' }],
    ['4111', { category: 'discounted', description: 'Commuter transport' }],
    ['4121', { category: 'discounted', description: 'Taxis' }],
    ['4131', { category: 'discounted', description: 'Bus lines' }],
    ['4900', { category: 'discounted', description: 'Utilities: electricity, gas, water' }],
    ['8062', { category: 'exempt', description: 'Public hospitals' }],
    ['8211', { category: 'exempt', description: 'Primary and secondary schools' }],
    ['8220', { category: 'exempt', description: 'Colleges and universities' }],
    ['8398', { category: 'exempt', description: 'Charities' }],
    ['9399', { category: 'exempt', description: 'Government services' }],
  ],
);

export function feeCategoryOfMcc(mcc: string): FeeCategory | undefined {
  return MCC_TABLE.get(mcc)?.category;
}

export function defaultFeePlanForMcc(mcc: string): FeePlan | undefined {
  const category = feeCategoryOfMcc(mcc);
  return category === undefined ? undefined : DEFAULT_FEE_PLANS[category];
}

/** Reasons an override plan is refused; empty when it is acceptable. */
export function feePlanProblems(plan: FeePlan): string[] {
  const problems: string[] = [];
  for (const [name, rate] of [
    ['debitRateUnits', plan.debitRateUnits],
    ['creditRateUnits', plan.creditRateUnits],
    ['t0RateUnits', plan.t0RateUnits],
  ] as const) {
    if (rate < 0n || rate > FEE_RATE_UNITS_MAX) problems.push(`${name} must be within 0..${FEE_RATE_UNITS_MAX}`);
  }
  if (plan.debitCapFen < 0n || plan.debitCapFen > DEBIT_CAP_FEN_MAX) {
    problems.push(`debitCapFen must be within 0..${DEBIT_CAP_FEN_MAX}`);
  }
  if (plan.t0FixedFen < 0n || plan.t0FixedFen > T0_FIXED_FEN_MAX) {
    problems.push(`t0FixedFen must be within 0..${T0_FIXED_FEN_MAX}`);
  }
  problems.push(...t0LimitProblems(plan));
  return problems;
}

function t0LimitProblems(plan: FeePlan): string[] {
  const problems: string[] = [];
  const single = plan.t0SingleLimitFen;
  const daily = plan.t0DailyQuotaFen;
  if (single !== undefined && (single < 1n || single > T0_SINGLE_LIMIT_FEN_MAX)) {
    problems.push(`t0SingleLimitFen must be within 1..${T0_SINGLE_LIMIT_FEN_MAX} (absent = platform default)`);
  }
  if (daily !== undefined && (daily < 1n || daily > T0_DAILY_QUOTA_FEN_MAX)) {
    problems.push(`t0DailyQuotaFen must be within 1..${T0_DAILY_QUOTA_FEN_MAX} (absent = platform default)`);
  }
  if (single !== undefined && daily !== undefined && single > daily) {
    problems.push('t0SingleLimitFen must not exceed t0DailyQuotaFen');
  }
  return problems;
}

export function sameFeePlan(left: FeePlan, right: FeePlan): boolean {
  return (
    left.category === right.category &&
    left.debitRateUnits === right.debitRateUnits &&
    left.debitCapFen === right.debitCapFen &&
    left.creditRateUnits === right.creditRateUnits &&
    left.t0RateUnits === right.t0RateUnits &&
    left.t0FixedFen === right.t0FixedFen &&
    left.t0SingleLimitFen === right.t0SingleLimitFen &&
    left.t0DailyQuotaFen === right.t0DailyQuotaFen
  );
}

assert(FEE_RATE_UNITS_MAX < RATE_UNITS_PER_WHOLE, 'the rate ceiling stays below 100%');
for (const plan of Object.values(DEFAULT_FEE_PLANS)) {
  assert(feePlanProblems(plan).length === 0, `default ${plan.category} plan is within limits`);
}
