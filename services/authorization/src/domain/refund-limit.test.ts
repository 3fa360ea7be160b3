// Goal: cumulative refunds never exceed the original, at and around the boundary; method: literal cases.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import { checkRefundAmount } from './refund-limit.ts';

test('partial refunds up to the original are allowed, one fen more is refused', () => {
  expect.equal(checkRefundAmount(fen(10_000), fen(0), fen(4_000)), 'allowed');
  expect.equal(checkRefundAmount(fen(10_000), fen(4_000), fen(6_000)), 'allowed');
  expect.equal(checkRefundAmount(fen(10_000), fen(4_000), fen(6_001)), 'refund_exceeds_original');
  expect.equal(checkRefundAmount(fen(10_000), fen(10_000), fen(1)), 'refund_exceeds_original');
});

test('zero and negative refunds are invalid amounts', () => {
  expect.equal(checkRefundAmount(fen(10_000), fen(0), fen(0)), 'invalid_amount');
  expect.equal(checkRefundAmount(fen(10_000), fen(0), fen(-1)), 'invalid_amount');
});

test('a stored refund total above the original is a bug', () => {
  expect.throws(() => checkRefundAmount(fen(100), fen(101), fen(1)), /never exceed/);
});
