// Goal: contactless no-PIN limit, batch totals, 跳码, entry modes, fees and card data rules hold at their boundaries; method: literal cases.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import { compareBatchTotals } from './batch-totals.ts';
import { cardToken, isExpired, isWellFormedPan, maskPan, panAndExpiryFromTrack2 } from './card-data.ts';
import { isCodeJumpAttempt } from './code-jump.ts';
import { contactlessPinRequired } from './contactless-limit.ts';
import { entryMethodOf, pinEnteredPerEntryMode } from './entry-mode.ts';
import { computeFeeFen, type FeePlan } from './fee.ts';

test('contactless: up to the limit without PIN, one fen above needs a PIN', () => {
  const limit = fen(100_000);
  expect.equal(contactlessPinRequired('contactless', fen(100_000), false, limit), false);
  expect.equal(contactlessPinRequired('contactless', fen(100_001), false, limit), true);
  expect.equal(contactlessPinRequired('contactless', fen(100_001), true, limit), false);
  expect.equal(contactlessPinRequired('contact_ic', fen(900_000), false, limit), false);
});

test('batch totals balance only when all four figures match', () => {
  const host = { debitAmountFen: fen(1000), debitCount: 2, creditAmountFen: fen(100), creditCount: 1 };
  expect.equal(compareBatchTotals(host, host), 1);
  expect.equal(compareBatchTotals({ ...host, debitAmountFen: fen(1001) }, host), 2);
  expect.equal(compareBatchTotals({ ...host, debitCount: 3 }, host), 2);
  expect.equal(compareBatchTotals({ ...host, creditAmountFen: fen(0) }, host), 2);
  expect.equal(compareBatchTotals({ ...host, creditCount: 0 }, host), 2);
});

test('跳码: a different field 42 is an attempt, an absent one is not', () => {
  expect.equal(isCodeJumpAttempt('898310058120001', '898310058120001'), false);
  expect.equal(isCodeJumpAttempt('898310054110001', '898310058120001'), true);
  expect.equal(isCodeJumpAttempt('               ', '898310058120001'), false);
  expect.equal(isCodeJumpAttempt('', '898310058120001'), false);
});

test('entry modes', () => {
  expect.equal(entryMethodOf('071'), 'contactless');
  expect.equal(entryMethodOf('051'), 'contact_ic');
  expect.equal(entryMethodOf('022'), 'magstripe');
  expect.equal(entryMethodOf('031'), 'scan_code');
  expect.equal(entryMethodOf('7A1'), 'unknown');
  expect.equal(pinEnteredPerEntryMode('071'), true);
  expect.equal(pinEnteredPerEntryMode('072'), false);
});

test('fees: debit cap, credit uncapped, T0 surcharge, never above the amount', () => {
  const plan: FeePlan = {
    category: 'standard',
    debitRateUnits: 6000n,
    debitCapFen: fen(2000),
    creditRateUnits: 6000n,
    t0RateUnits: 400n,
    t0FixedFen: fen(0),
  };
  expect.equal(computeFeeFen(fen(10_000), 'debit', plan, false), 60n);
  expect.equal(computeFeeFen(fen(1_000_000), 'debit', plan, false), 2000n); // 6000 capped at 2000
  expect.equal(computeFeeFen(fen(1_000_000), 'credit', plan, false), 6000n);
  expect.equal(computeFeeFen(fen(10_000), 'credit', plan, true), 64n);
  expect.equal(computeFeeFen(fen(1), 'credit', { ...plan, t0FixedFen: fen(300) }, true), 1n);
});

test('card data: Luhn, mask, token, track 2, expiry', () => {
  expect.equal(isWellFormedPan('6222021234567890128'), true);
  expect.equal(isWellFormedPan('6222021234567890127'), false);
  expect.equal(maskPan('6222021234567890128'), '622202*********0128');
  const key = new Uint8Array(32).fill(7);
  expect.equal(cardToken('6222021234567890128', key), cardToken('6222021234567890128', key));
  expect.notEqual(cardToken('6222021234567890128', key), cardToken('6222021234567890128', new Uint8Array(32)));
  expect.deepEqual(panAndExpiryFromTrack2('6222021234567890128=30121010000000000'), {
    pan: '6222021234567890128',
    expiryYymm: '3012',
  });
  expect.equal(panAndExpiryFromTrack2('12345=3012'), undefined);
  expect.equal(isExpired('2611', new Date('2026-11-30T00:00:00Z')), false);
  expect.equal(isExpired('2610', new Date('2026-11-01T00:00:00Z')), true);
  expect.equal(isExpired('2613', new Date('2026-11-01T00:00:00Z')), true);
});
