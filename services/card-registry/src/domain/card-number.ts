/** Card numbers as typed by a merchant: 16-19 digits passing the Luhn check; masked for every view. */
import { assert } from '@acq/assert';
import { passesLuhn } from '@acq/card-bins';

export const CARD_NUMBER_PATTERN = /^[0-9]{16,19}$/;
const PHONE_PATTERN = /^1[0-9]{10}$/;

export function isCardNumber(text: string): boolean {
  return CARD_NUMBER_PATTERN.test(text) && passesLuhn(text);
}

export { maskPan as maskCardNumber, passesLuhn } from '@acq/card-bins';

export function isMobilePhone(text: string): boolean {
  return PHONE_PATTERN.test(text);
}

/** 138****8000: enough for the merchant to recognise the phone the SMS went to. */
export function maskPhone(phone: string): string {
  assert(PHONE_PATTERN.test(phone), 'mask needs a mobile number');
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}
