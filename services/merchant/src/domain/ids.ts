/** Prefixed random identifiers (STYLE 12): the prefix tells the kind, 20 base32 characters the value. */
import { randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const RANDOM_CHARS = 20;

export const ID_PREFIX = {
  merchant: 'mch_',
  application: 'mapp_',
  t0Application: 't0a_',
  qrCode: 'qr_',
} as const;

export function newId(prefix: (typeof ID_PREFIX)[keyof typeof ID_PREFIX]): string {
  const bytes = randomBytes(RANDOM_CHARS);
  let text = prefix;
  for (const byte of bytes) text += BASE32_ALPHABET[byte & 31];
  assert(text.length === prefix.length + RANDOM_CHARS, 'id has its full length');
  return text;
}

const ID_PATTERN = /^[a-z0-9]+_[a-z2-7]{20}$/;

export function isWellFormedId(text: string, prefix: string): boolean {
  return text.startsWith(prefix) && ID_PATTERN.test(text);
}
