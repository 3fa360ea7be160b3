// Goal: completion stays within the configured share of its pre-auth, exactly at the boundary; method: literal cases.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import { checkCompletionAmount, completionLimitFen } from './completion-amount.ts';

test('115% of the pre-auth is the largest completion', () => {
  expect.equal(completionLimitFen(fen(10_000), 115n), 11_500n);
  expect.equal(checkCompletionAmount(fen(10_000), fen(11_500), 115n), 'allowed');
  expect.equal(checkCompletionAmount(fen(10_000), fen(11_501), 115n), 'completion_exceeds_preauth');
  expect.equal(checkCompletionAmount(fen(10_000), fen(3), 115n), 'allowed');
});

test('the limit rounds down so rounding never lets a fen through', () => {
  expect.equal(completionLimitFen(fen(99), 115n), 113n); // 113.85 -> 113
  expect.equal(checkCompletionAmount(fen(99), fen(114), 115n), 'completion_exceeds_preauth');
});

test('configurable percentage and invalid amounts', () => {
  expect.equal(checkCompletionAmount(fen(10_000), fen(10_001), 100n), 'completion_exceeds_preauth');
  expect.equal(checkCompletionAmount(fen(10_000), fen(0), 115n), 'invalid_amount');
  expect.throws(() => completionLimitFen(fen(1), 99n), /at least/);
});
