/** Card numbers as typed by a merchant: 16-19 digits passing the Luhn check; masked for every view. */
import { assert } from '@acq/assert';

export const CARD_NUMBER_PATTERN = /^[0-9]{16,19}$/;
const PHONE_PATTERN = /^1[0-9]{10}$/;

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

export function isCardNumber(text: string): boolean {
  return CARD_NUMBER_PATTERN.test(text) && passesLuhn(text);
}

/** First 6 and last 4 digits, the only form of a card number that may be shown, stored plainly or logged. */
export function maskCardNumber(cardNumber: string): string {
  assert(CARD_NUMBER_PATTERN.test(cardNumber), 'mask needs a card number');
  const masked = `${cardNumber.slice(0, 6)}${'*'.repeat(cardNumber.length - 10)}${cardNumber.slice(-4)}`;
  assert(masked.length === cardNumber.length, 'the mask keeps the length');
  return masked;
}

export function isMobilePhone(text: string): boolean {
  return PHONE_PATTERN.test(text);
}

/** 138****8000: enough for the merchant to recognise the phone the SMS went to. */
export function maskPhone(phone: string): string {
  assert(PHONE_PATTERN.test(phone), 'mask needs a mobile number');
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}
