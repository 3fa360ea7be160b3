// Goal: a void is allowed only for an untouched approved original in the same batch and day; method: vary one fact at a time.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import { checkVoidEligibility, type VoidableOriginal } from './void-eligibility.ts';

const original: VoidableOriginal = {
  status: 'approved',
  batchNumber: '000001',
  businessDate: '20261122',
  amountFen: fen(5_000),
  cancelledByTxnId: null,
  reversed: false,
  settled: false,
  refundedFen: fen(0),
};

test('same batch, same day, untouched original: allowed', () => {
  expect.equal(checkVoidEligibility(original, '000001', '20261122', fen(5_000)), 'allowed');
});

test('each disqualifying fact refuses the void', () => {
  const cases: Array<[Partial<VoidableOriginal>, string, string]> = [
    [{ status: 'declined' }, '000001', '20261122'],
    [{ status: 'pending' }, '000001', '20261122'],
    [{ reversed: true }, '000001', '20261122'],
    [{ cancelledByTxnId: 'auth_x' }, '000001', '20261122'],
    [{ settled: true }, '000001', '20261122'],
    [{ refundedFen: fen(1) }, '000001', '20261122'],
    [{}, '000002', '20261122'],
    [{}, '000001', '20261123'],
  ];
  for (const [change, batch, date] of cases) {
    expect.equal(checkVoidEligibility({ ...original, ...change }, batch, date, fen(5_000)), 'original_not_eligible');
  }
});

test('a void must carry the original amount', () => {
  expect.equal(checkVoidEligibility(original, '000001', '20261122', fen(4_999)), 'invalid_amount');
  expect.equal(checkVoidEligibility(original, '000001', '20261122', fen(5_001)), 'invalid_amount');
});
