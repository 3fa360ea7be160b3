/**
 * One-time terminal activation codes: 8 random digits (typed on a POS keypad), stored only as a keyed
 * hash, valid until an expiry and for a limited number of wrong attempts.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { assert } from '@acq/assert';

export const ACTIVATION_CODE_DIGITS = 8;
const ACTIVATION_CODE_PATTERN = /^[0-9]{8}$/;

export function generateActivationCode(): string {
  let code = '';
  for (let index = 0; index < ACTIVATION_CODE_DIGITS; index += 1) code += String(randomInt(10));
  assert(ACTIVATION_CODE_PATTERN.test(code), 'activation code is 8 digits');
  return code;
}

export function isWellFormedActivationCode(text: string): boolean {
  return ACTIVATION_CODE_PATTERN.test(text);
}

/** HMAC keyed by a server secret: 10^8 codes are too few to survive an offline guess of a plain hash. */
export function hashActivationCode(code: string, serialNumber: string, secret: Uint8Array): string {
  assert(secret.length >= 16, 'activation code secret is at least 16 bytes');
  return createHmac('sha256', secret).update(`${serialNumber}\u0000${code}`).digest('hex');
}

export function activationCodeMatches(
  expectedHashHex: string,
  code: string,
  serialNumber: string,
  secret: Uint8Array,
): boolean {
  const expected = Buffer.from(expectedHashHex, 'hex');
  const actual = Buffer.from(hashActivationCode(code, serialNumber, secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export type ActivationCheck = 'ok' | 'attempts_exceeded' | 'expired' | 'wrong_code';

/** Order matters: a locked or expired code refuses before the code is even compared. */
export function checkActivationAttempt(input: {
  readonly attemptsUsed: number;
  readonly attemptsMax: number;
  readonly expiresAtMs: number;
  readonly nowMs: number;
  readonly codeMatches: boolean;
}): ActivationCheck {
  assert(input.attemptsMax >= 1, 'at least one attempt is allowed');
  assert(input.attemptsUsed >= 0, 'attempt counter is non-negative');
  if (input.attemptsUsed >= input.attemptsMax) return 'attempts_exceeded';
  if (input.nowMs >= input.expiresAtMs) return 'expired';
  return input.codeMatches ? 'ok' : 'wrong_code';
}
