// Goal: T0 eligibility honours the switch, suspension, overdue bills, single limit, daily quota and surcharge; method: one case per refusal plus the boundaries.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import type { MerchantProfile } from './settlement-events.ts';
import { decideT0 } from './t0-eligibility.ts';

const profile: MerchantProfile = {
  merchantId: 'm1',
  merchantNumber: '898310058120001',
  merchantName: 'Shop',
  feePlan: {
    category: 'standard',
    debitRateUnits: 6000n,
    debitCapFen: fen(2000),
    creditRateUnits: 6000n,
    t0RateUnits: 0n,
    t0FixedFen: fen(200),
  },
  t0Enabled: true,
  t0SingleLimitFen: fen(5_000_000),
  t0DailyQuotaFen: fen(10_000_000),
  t0SuspendedUntilMs: null,
  contextVersion: 1n,
};
const base = { profile, nowMs: 1_000_000, hasOverdueBill: false, usedTodayFen: 0n, availableFen: 100_000_000n };

test('eligible payout pays gross minus surcharge', () => {
  expect.deepEqual(decideT0(base, fen(10_000)), {
    eligible: true,
    grossFen: 10_000n,
    surchargeFen: 200n,
    amountFen: 9_800n,
  });
});

test('each refusal', () => {
  const refusal = (situation: typeof base, amount: number) => {
    const decision = decideT0(situation, fen(amount));
    return decision.eligible ? 'eligible' : decision.refusal;
  };
  expect.equal(refusal({ ...base, profile: { ...profile, t0Enabled: false } }, 10_000), 'T0_NOT_ENABLED');
  expect.equal(refusal({ ...base, profile: { ...profile, t0SuspendedUntilMs: 1_000_001 } }, 10_000), 'T0_SUSPENDED');
  expect.equal(refusal({ ...base, profile: { ...profile, t0SuspendedUntilMs: 1_000_000 } }, 10_000), 'eligible');
  expect.equal(refusal({ ...base, hasOverdueBill: true }, 10_000), 'BILL_OVERDUE');
  expect.equal(refusal(base, 5_000_000), 'eligible');
  expect.equal(refusal(base, 5_000_001), 'SINGLE_LIMIT');
  expect.equal(refusal({ ...base, usedTodayFen: 9_990_000n }, 10_000), 'eligible');
  expect.equal(refusal({ ...base, usedTodayFen: 9_990_001n }, 10_000), 'DAILY_QUOTA');
  expect.equal(refusal({ ...base, availableFen: 0n }, 10_000), 'NOTHING_AVAILABLE');
  expect.equal(refusal(base, 200), 'SURCHARGE_EXCEEDS_AMOUNT');
  expect.equal(refusal(base, 201), 'eligible');
});

test('a partly committed balance pays only what is left', () => {
  const decision = decideT0({ ...base, availableFen: 5_000n }, fen(10_000));
  expect.deepEqual(decision, { eligible: true, grossFen: 5_000n, surchargeFen: 200n, amountFen: 4_800n });
});
