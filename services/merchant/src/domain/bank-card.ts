/** Settlement card numbers as typed in an application: 16-19 digits passing the Luhn check. */
import { passesLuhn } from '@acq/card-bins';

export { maskPan as maskCardNumber, passesLuhn } from '@acq/card-bins';

const CARD_NUMBER_PATTERN = /^[0-9]{16,19}$/;

export function isValidCardNumber(text: string): boolean {
  return CARD_NUMBER_PATTERN.test(text) && passesLuhn(text);
}
