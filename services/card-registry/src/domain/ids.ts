/** Prefixed random identifiers (STYLE 12): the prefix tells the kind, 20 base32 characters the value. */
import { randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const RANDOM_CHARS = 20;

export const ID_PREFIX = { card: 'scard_', change: 'cchg_' } as const;

export function newId(prefix: (typeof ID_PREFIX)[keyof typeof ID_PREFIX]): string {
  const bytes = randomBytes(RANDOM_CHARS);
  let text = prefix;
  for (const byte of bytes) text += BASE32_ALPHABET[byte & 31];
  assert(text.length === prefix.length + RANDOM_CHARS, 'an id has its full length');
  return text;
}

export function isChangeId(text: string): boolean {
  return /^cchg_[a-z2-7]{20}$/.test(text);
}
