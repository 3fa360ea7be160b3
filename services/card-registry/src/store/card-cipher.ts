/**
 * Card data at rest. Account numbers and bank-registered phones are sealed with AES-256-GCM under a key
 * derived (HKDF) from the HSM master key, with the purpose as associated data so a sealed phone cannot
 * be opened as a card. The card token is HMAC-SHA256 of the PAN under CARD_TOKEN_KEY, the same token the
 * authorization and risk services compute. One-time codes and micro-deposit amounts are kept only as a
 * keyed hash bound to their change.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { assert } from '@acq/assert';

const SEAL_VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export const SEAL_PURPOSE = { accountNumber: 'account-number', phone: 'phone' } as const;
export type SealPurpose = (typeof SEAL_PURPOSE)[keyof typeof SEAL_PURPOSE];

export interface CardCipher {
  seal(clear: string, purpose: SealPurpose): string;
  open(sealed: string, purpose: SealPurpose): string;
  cardToken(cardNumber: string): string;
  /** Keyed hash of a secret the merchant proves it knows (SMS code, micro-deposit amount). */
  secretHash(changeId: string, kind: 'sms' | 'deposit', secret: string): string;
  secretMatches(changeId: string, kind: 'sms' | 'deposit', secret: string, expectedHash: string): boolean;
}

export function createCardCipher(masterKey: Uint8Array, cardTokenKey: Uint8Array): CardCipher {
  assert(masterKey.length >= 16, 'the master key is at least 16 bytes');
  assert(cardTokenKey.length >= 16, 'the card token key is at least 16 bytes');
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), label, KEY_BYTES));
  const sealKey = derive('acq/card-registry/seal');
  const secretKey = derive('acq/card-registry/one-time-secrets');
  const tokenKey = Buffer.from(cardTokenKey);
  const secretHash = (changeId: string, kind: string, secret: string) =>
    createHmac('sha256', secretKey).update(`${kind}\u0000${changeId}\u0000${secret}`).digest('hex');
  return {
    seal(clear, purpose) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealKey, nonce);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
      return `${SEAL_VERSION}.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, purpose) {
      const [version, payload] = sealed.split('.');
      assert(version === SEAL_VERSION && payload !== undefined, 'a sealed value has a known version');
      const bytes = Buffer.from(payload, 'base64url');
      assert(bytes.length > NONCE_BYTES + TAG_BYTES, 'a sealed value holds nonce, tag and body');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      const body = bytes.subarray(NONCE_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
    cardToken(cardNumber) {
      assert(/^[0-9]{12,19}$/.test(cardNumber), 'a card token is computed from a card number');
      return createHmac('sha256', tokenKey).update(cardNumber).digest('hex');
    },
    secretHash,
    secretMatches(changeId, kind, secret, expectedHash) {
      const actual = Buffer.from(secretHash(changeId, kind, secret), 'hex');
      const expected = Buffer.from(expectedHash, 'hex');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}
