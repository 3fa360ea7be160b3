/**
 * Card numbers: the Luhn (mod 10) check and the masked form. First six and last four digits is the
 * only form of a card number that may be shown, logged or stored in clear.
 */
import { assert } from '@acq/assert';

/** Luhn sum from the right; `doubleRightmost` when computing the check digit of a payload. */
function luhnSum(digits: string, doubleRightmost: boolean): number {
  let sum = 0;
  let double = doubleRightmost;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let value = digits.charCodeAt(index) - 48;
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    double = !double;
  }
  return sum;
}

const DIGITS = /^[0-9]+$/;

/** True for a non-empty digit string whose last digit is its Luhn check digit. */
export function passesLuhn(digits: string): boolean {
  return DIGITS.test(digits) && luhnSum(digits, false) % 10 === 0;
}

/** The digit that makes payload + digit pass the Luhn check. */
export function luhnCheckDigit(payloadDigits: string): string {
  assert(DIGITS.test(payloadDigits), 'Luhn payload must be digits');
  return ((10 - (luhnSum(payloadDigits, true) % 10)) % 10).toString();
}

export function maskPan(pan: string): string {
  assert(pan.length >= 10 && DIGITS.test(pan), 'a PAN to mask has at least 10 digits');
  const masked = `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
  assert(masked.length === pan.length, 'the mask keeps the length');
  return masked;
}
