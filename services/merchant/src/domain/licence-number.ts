/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015), the enterprise business licence number:
 * 18 characters from a 31-character alphabet; the last is a MOD 31 check character.
 */
import { assert } from '@acq/assert';

const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const CREDIT_CODE_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export function creditCodeCheckCharacter(first17: string): string {
  assert(first17.length === 17, 'check character needs 17 characters');
  let sum = 0;
  for (let index = 0; index < 17; index += 1) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17[index] ?? '');
    assert(value >= 0, 'credit code characters come from the alphabet');
    sum += value * (CREDIT_CODE_WEIGHTS[index] ?? 0);
  }
  const check = (31 - (sum % 31)) % 31;
  const character = CREDIT_CODE_ALPHABET[check];
  assert(character !== undefined, 'mod 31 indexes the alphabet');
  return character;
}

export function isValidBusinessLicenceNumber(text: string): boolean {
  if (!CREDIT_CODE_PATTERN.test(text)) return false;
  return creditCodeCheckCharacter(text.slice(0, 17)) === text[17];
}
