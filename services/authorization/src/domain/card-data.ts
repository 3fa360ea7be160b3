/**
 * Card data handling: the PAN is kept only as a keyed hash token (HMAC-SHA256, for lookups and risk
 * velocity), a masked form for receipts (first 6, last 4), and, where a later step needs it, encrypted
 * by the PAN vault. Track data and PIN blocks are never kept.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { assert } from '@acq/assert';
import { maskPan as maskCardNumber, passesLuhn } from '@acq/card-bins';

const PAN_PATTERN = /^[0-9]{12,19}$/;

export function isWellFormedPan(pan: string): boolean {
  return PAN_PATTERN.test(pan) && passesLuhn(pan);
}

export function maskPan(pan: string): string {
  assert(PAN_PATTERN.test(pan), 'maskPan needs a PAN');
  return maskCardNumber(pan);
}

/** Imported once per key: re-importing raw key bytes on every HMAC costs more than the HMAC itself. */
const importedTokenKeys = new WeakMap<Uint8Array, KeyObject>();

export function cardToken(pan: string, tokenKey: Uint8Array): string {
  assert(tokenKey.length >= 16, 'the card token key has at least 128 bits');
  assert(PAN_PATTERN.test(pan), 'cardToken needs a PAN');
  let keyObject = importedTokenKeys.get(tokenKey);
  if (keyObject === undefined) {
    keyObject = createSecretKey(tokenKey);
    importedTokenKeys.set(tokenKey, keyObject);
  }
  return createHmac('sha256', keyObject).update(pan).digest('hex');
}

/** Track 2 is "PAN=YYMM...": the PAN and expiry a swiped or dipped card carries. */
export function panAndExpiryFromTrack2(track2: string): { pan: string; expiryYymm: string } | undefined {
  const separator = track2.search(/[=D]/);
  if (separator < 12) return undefined;
  const pan = track2.slice(0, separator);
  const expiryYymm = track2.slice(separator + 1, separator + 5);
  if (!PAN_PATTERN.test(pan) || !/^[0-9]{4}$/.test(expiryYymm)) return undefined;
  return { pan, expiryYymm };
}

/** A card is expired after the last day of its expiry month. */
export function isExpired(expiryYymm: string, today: Date): boolean {
  assert(/^[0-9]{4}$/.test(expiryYymm), 'expiry is YYMM');
  const year = 2000 + Number(expiryYymm.slice(0, 2));
  const month = Number(expiryYymm.slice(2, 4));
  if (month < 1 || month > 12) return true;
  const currentYear = today.getUTCFullYear();
  const currentMonth = today.getUTCMonth() + 1;
  return year < currentYear || (year === currentYear && month < currentMonth);
}
