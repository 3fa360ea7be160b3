/**
 * Settlement's own sealing of settlement-card account numbers kept on payout rows (a payout must go
 * to the card it started with, even after a restart). AES-256-GCM under a key derived (HKDF) from
 * the HSM master key, with a purpose label as associated data. The clear number exists only in
 * memory between the card registry's answer and the bank request.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';

const SEAL_VERSION = 's1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const PURPOSE = Buffer.from('settlement/payout-account-number');

export type AccountNumberCipher = {
  seal(accountNumber: string): string;
  open(sealed: string): string;
};

export function createAccountNumberCipher(masterKey: Uint8Array): AccountNumberCipher {
  assert(masterKey.length >= 16, 'the master key is at least 16 bytes');
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'acq/settlement/seal', 32));
  return {
    seal(accountNumber) {
      assert(/^[0-9]{8,32}$/.test(accountNumber), 'account numbers are digit strings');
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(PURPOSE);
      const body = Buffer.concat([cipher.update(accountNumber, 'utf8'), cipher.final()]);
      return `${SEAL_VERSION}.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed) {
      const [version, payload] = sealed.split('.');
      assert(version === SEAL_VERSION && payload !== undefined, 'sealed account numbers have a known version');
      const bytes = Buffer.from(payload, 'base64url');
      assert(bytes.length > NONCE_BYTES + TAG_BYTES, 'a sealed value holds nonce, tag and body');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(PURPOSE);
      decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
