/** Settlement card numbers as typed in an application: 16-19 digits passing the Luhn check. */
import { assert } from '@acq/assert';

const CARD_NUMBER_PATTERN = /^[0-9]{16,19}$/;

export function passesLuhn(digits: string): boolean {
  assert(/^[0-9]+$/.test(digits), 'Luhn needs digits');
  let sum = 0;
  let doubled = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let value = Number(digits[index]);
    if (doubled) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    doubled = !doubled;
  }
  return sum % 10 === 0;
}

export function isValidCardNumber(text: string): boolean {
  return CARD_NUMBER_PATTERN.test(text) && passesLuhn(text);
}

/** First 6 and last 4 digits, the only form of a card number that may be shown or logged. */
export function maskCardNumber(cardNumber: string): string {
  assert(cardNumber.length >= 10, 'mask needs at least 10 digits');
  return `${cardNumber.slice(0, 6)}${'*'.repeat(cardNumber.length - 10)}${cardNumber.slice(-4)}`;
}
