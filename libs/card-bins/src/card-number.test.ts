// Goal: Luhn check, check digit and mask agree with known card numbers; method: literal cases including the negative space.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { luhnCheckDigit, maskPan, passesLuhn } from './card-number.ts';

test('Luhn accepts valid numbers and refuses one changed digit, empty and non-digits', () => {
  expect.equal(passesLuhn('6222021234567890128'), true);
  expect.equal(passesLuhn('4111111111111111'), true);
  expect.equal(passesLuhn('4111111111111112'), false);
  expect.equal(passesLuhn(''), false);
  expect.equal(passesLuhn('4111-1111'), false);
});

test('check digit completes a payload', () => {
  expect.equal(luhnCheckDigit('622202123456789012'), '8');
  expect.equal(luhnCheckDigit('625800000000000'), '6');
});

test('mask keeps first 6 and last 4', () => {
  expect.equal(maskPan('6222021234567890128'), '622202*********0128');
  expect.throws(() => maskPan('123456789'));
});
