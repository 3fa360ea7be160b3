// Goal: per-transaction fee and T0 surcharge rounding and caps match the documented rule; method: literal cases at the boundaries.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import { type FeePlan, t0SurchargeFen, transactionFeeFen } from './fees.ts';

const standard: FeePlan = {
  category: 'standard',
  debitRateUnits: 6000n,
  debitCapFen: fen(2000),
  creditRateUnits: 6000n,
  t0RateUnits: 400n,
  t0FixedFen: fen(0),
};

test('debit fee rounds half up and stops at the cap', () => {
  expect.equal(transactionFeeFen(standard, 'debit', fen(10000)), 60n);
  expect.equal(transactionFeeFen(standard, 'debit', fen(84)), 1n);
  expect.equal(transactionFeeFen(standard, 'debit', fen(83)), 0n);
  // 3,333.33 CNY at 0.60% = 20.00 CNY exactly at the cap; one fen more stays at the cap.
  expect.equal(transactionFeeFen(standard, 'debit', fen(333333)), 2000n);
  expect.equal(transactionFeeFen(standard, 'debit', fen(10_000_000)), 2000n);
});

test('credit fee is uncapped and a zero cap means uncapped debit', () => {
  expect.equal(transactionFeeFen(standard, 'credit', fen(10_000_000)), 60000n);
  const uncapped = { ...standard, debitCapFen: fen(0) };
  expect.equal(transactionFeeFen(uncapped, 'debit', fen(10_000_000)), 60000n);
});

test('exempt plan charges nothing', () => {
  const exempt = { ...standard, debitRateUnits: 0n, creditRateUnits: 0n };
  expect.equal(transactionFeeFen(exempt, 'credit', fen(99999)), 0n);
});

test('fees refuse non-positive amounts and out-of-range rates', () => {
  expect.throws(() => transactionFeeFen(standard, 'debit', fen(0)));
  expect.throws(() => transactionFeeFen({ ...standard, creditRateUnits: 1_000_001n }, 'credit', fen(1)));
});

test('T0 surcharge adds rate and fixed fee and refuses to swallow the payout', () => {
  expect.equal(t0SurchargeFen(standard, fen(10000)), 4n);
  const fixed = { ...standard, t0RateUnits: 0n, t0FixedFen: fen(200) };
  expect.equal(t0SurchargeFen(fixed, fen(201)), 200n);
  expect.equal(t0SurchargeFen(fixed, fen(200)), undefined);
});
