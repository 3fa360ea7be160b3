/**
 * Identity-verification provider rules: Chinese resident ID numbers (GB 11643, ISO 7064 MOD 11-2
 * check character), 3/4-element comparison against the card's registered holder, and UnionPay's
 * lockout (3 consecutive failures lock the card until 12 h later or midnight, whichever comes
 * first; more than 10 attempts in a day lock it until midnight, Asia/Shanghai).
 */
import { assert } from '@acq/assert';
import { LIMITS } from '../limits.ts';
import type { CardHolder } from './card.ts';
import { nextShanghaiMidnightMs, shanghaiDate } from './clock.ts';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARACTERS = '10X98765432';

/** The check character of the first 17 digits of a resident ID number. */
export function idNumberCheckCharacter(first17: string): string {
  assert(/^[0-9]{17}$/.test(first17), 'ID body is 17 digits');
  let sum = 0;
  for (let index = 0; index < ID_WEIGHTS.length; index += 1) {
    sum += (first17.charCodeAt(index) - 48) * (ID_WEIGHTS[index] as number);
  }
  const check = ID_CHECK_CHARACTERS[sum % 11];
  assert(check !== undefined, 'mod 11 indexes the check table');
  return check;
}

export function isValidIdNumber(idNumber: string): boolean {
  if (!/^[0-9]{17}[0-9X]$/.test(idNumber)) return false;
  return idNumberCheckCharacter(idNumber.slice(0, 17)) === idNumber.slice(17);
}

export type IdentityElement = 'name' | 'idNumber' | 'phone';

export interface IdentityClaim {
  readonly name: string;
  readonly idNumber: string;
  /** Bank-registered phone; undefined for a 3-element check. */
  readonly phone: string | undefined;
}

/** The elements of claim that differ from the card's registered holder (none registered = differs). */
export function mismatchedElements(holder: CardHolder, claim: IdentityClaim): IdentityElement[] {
  const mismatches: IdentityElement[] = [];
  if (holder.holderName === undefined || holder.holderName !== claim.name) mismatches.push('name');
  if (holder.idNumber === undefined || holder.idNumber !== claim.idNumber) mismatches.push('idNumber');
  if (claim.phone !== undefined && (holder.phone === undefined || holder.phone !== claim.phone))
    mismatches.push('phone');
  return mismatches;
}

export interface VerificationAttempts {
  day: string;
  attemptsToday: number;
  consecutiveFailures: number;
  lockedUntilMs: number | undefined;
}

export function freshAttempts(nowMs: number): VerificationAttempts {
  return { day: shanghaiDate(nowMs), attemptsToday: 0, consecutiveFailures: 0, lockedUntilMs: undefined };
}

/** Rolls the daily counter at midnight and lifts an expired lock; returns the lock end when locked. */
export function currentLock(attempts: VerificationAttempts, nowMs: number): number | undefined {
  const today = shanghaiDate(nowMs);
  if (attempts.day !== today) {
    attempts.day = today;
    attempts.attemptsToday = 0;
  }
  if (attempts.lockedUntilMs !== undefined && nowMs >= attempts.lockedUntilMs) {
    attempts.lockedUntilMs = undefined;
    attempts.consecutiveFailures = 0;
  }
  if (attempts.lockedUntilMs !== undefined) return attempts.lockedUntilMs;
  if (attempts.attemptsToday >= LIMITS.identityAttemptsPerDayMax) return nextShanghaiMidnightMs(nowMs);
  return undefined;
}

/** Counts one attempt and locks the card after the third failure in a row. */
export function recordAttempt(attempts: VerificationAttempts, matched: boolean, nowMs: number): void {
  attempts.attemptsToday += 1;
  if (matched) {
    attempts.consecutiveFailures = 0;
    return;
  }
  attempts.consecutiveFailures += 1;
  if (attempts.consecutiveFailures >= LIMITS.identityConsecutiveFailuresMax) {
    attempts.lockedUntilMs = Math.min(nowMs + LIMITS.identityLockMs, nextShanghaiMidnightMs(nowMs));
  }
  assert(attempts.attemptsToday <= LIMITS.identityAttemptsPerDayMax, 'attempts past the daily limit are refused first');
}
