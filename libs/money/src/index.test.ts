// Goal: fen conversions and fee rounding are exact at the boundaries; method: table of literal cases.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { amountFieldFromFen, applyRateFen, fen, fenFromAmountField, formatYuan, parseFen } from './index.ts';

test('DE4 round-trips and rejects malformed amounts', () => {
  expect.equal(amountFieldFromFen(fen(1234)), '000000001234');
  expect.equal(fenFromAmountField('000000001234'), 1234n);
  expect.equal(fenFromAmountField('00000000123'), undefined);
  expect.equal(fenFromAmountField('00000000123A'), undefined);
  expect.throws(() => amountFieldFromFen(fen(-1)));
  expect.throws(() => amountFieldFromFen(fen(1_000_000_000_000n)));
});

test('parseFen accepts digit strings only', () => {
  expect.equal(parseFen('-15'), -15n);
  expect.equal(parseFen('01'), undefined);
  expect.equal(parseFen('1.5'), undefined);
  expect.equal(parseFen(''), undefined);
});

test('applyRateFen rounds half up', () => {
  expect.equal(applyRateFen(fen(10000), 6000n), 60n); // 100.00 CNY at 0.60%
  expect.equal(applyRateFen(fen(83), 6000n), 0n); // 0.498 fen -> 0
  expect.equal(applyRateFen(fen(84), 6000n), 1n); // 0.504 fen -> 1
  expect.equal(applyRateFen(fen(250), 2000n), 1n); // exactly 0.5 fen -> 1
});

test('formatYuan', () => {
  expect.equal(formatYuan(fen(-5)), '-0.05');
  expect.equal(formatYuan(fen(123456)), '1234.56');
});
