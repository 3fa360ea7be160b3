/**
 * Card data at rest. Account numbers and bank-registered phones are sealed (AES-256-GCM, @acq/crypto's
 * sealer) under a key derived from the HSM master key, with the purpose as associated data so a sealed phone cannot
 * be opened as a card. The card token is HMAC-SHA256 of the PAN under CARD_TOKEN_KEY, the same token the
 * authorization and risk services compute. One-time codes and micro-deposit amounts are kept only as a
 * keyed hash bound to their change.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { assert } from '@acq/assert';
import { createSealer, deriveKey } from '@acq/crypto';

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
  const sealer = createSealer({ masterKey, keyLabel: 'acq/card-registry/seal' });
  const secretKey = deriveKey(masterKey, 'acq/card-registry/one-time-secrets');
  const tokenKey = Buffer.from(cardTokenKey);
  const secretHash = (changeId: string, kind: string, secret: string) =>
    createHmac('sha256', secretKey).update(`${kind}\u0000${changeId}\u0000${secret}`).digest('hex');
  return {
    seal: (clear, purpose) => sealer.seal(clear, purpose),
    open: (sealed, purpose) => sealer.open(sealed, purpose),
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
