/**
 * Mainland resident identity card number (GB 11643-1999): 6-digit region, 8-digit birth date,
 * 3-digit sequence and a check character computed with ISO 7064 MOD 11-2 (X stands for 10).
 */
import { assert } from '@acq/assert';

const RESIDENT_ID_PATTERN = /^[1-9][0-9]{16}[0-9X]$/;
const CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';
/** Nobody applying is older than this; older birth dates are typing errors. */
const APPLICANT_AGE_YEARS_MAX = 120;

export type ResidentIdCheck =
  | { readonly valid: true; readonly normalized: string; readonly birthDate: string }
  | { readonly valid: false; readonly reason: string };

export function residentIdCheckCharacter(first17Digits: string): string {
  assert(/^[0-9]{17}$/.test(first17Digits), 'check character needs 17 digits');
  let sum = 0;
  for (let index = 0; index < CHECK_WEIGHTS.length; index += 1) {
    sum += Number(first17Digits[index]) * (CHECK_WEIGHTS[index] ?? 0);
  }
  const character = CHECK_CHARACTERS[sum % 11];
  assert(character !== undefined, 'mod 11 indexes the table');
  return character;
}

/** Validates format, birth date (a real date, not in the future, plausible age) and check character. */
export function checkResidentIdNumber(text: string, today: Date): ResidentIdCheck {
  const normalized = text.trim().toUpperCase();
  if (!RESIDENT_ID_PATTERN.test(normalized)) {
    return { valid: false, reason: 'ID number must be 18 characters: 17 digits and a check digit or X' };
  }
  const birthDate = `${normalized.slice(6, 10)}-${normalized.slice(10, 12)}-${normalized.slice(12, 14)}`;
  const parsed = new Date(`${birthDate}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== birthDate) {
    return { valid: false, reason: 'ID number carries an impossible birth date' };
  }
  if (parsed.getTime() > today.getTime()) return { valid: false, reason: 'ID number carries a future birth date' };
  if (today.getUTCFullYear() - parsed.getUTCFullYear() > APPLICANT_AGE_YEARS_MAX) {
    return { valid: false, reason: 'ID number carries an implausible birth date' };
  }
  if (residentIdCheckCharacter(normalized.slice(0, 17)) !== normalized[17]) {
    return { valid: false, reason: 'ID number check digit does not match' };
  }
  return { valid: true, normalized, birthDate };
}

/** Masked form for display and logs: first 3 and last 4 characters. */
export function maskResidentIdNumber(normalized: string): string {
  assert(normalized.length === 18, 'mask needs a normalized ID number');
  return `${normalized.slice(0, 3)}***********${normalized.slice(14)}`;
}
