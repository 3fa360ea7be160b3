/**
 * Applicant identity data at rest: the ID number and the requested settlement card number are sealed
 * with AES-256-GCM (the card registry later needs them in clear for 4-element verification), and
 * fingerprinted with HMAC-SHA256 so duplicates are found without decrypting. Both keys derive from the
 * local master key with HKDF under distinct labels; the clear values never reach a log or a column.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';

const SEAL_VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface SensitiveDataCipher {
  /** `purpose` binds the ciphertext to its column: a sealed ID number cannot be opened as a card. */
  seal(clear: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
  fingerprint(clear: string, purpose: string): string;
}

export function createSensitiveDataCipher(masterKey: Uint8Array): SensitiveDataCipher {
  assert(masterKey.length >= 16, 'master key is at least 16 bytes');
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), label, KEY_BYTES));
  const sealKey = derive('acq/merchant/sensitive-data/seal');
  const fingerprintKey = derive('acq/merchant/sensitive-data/fingerprint');
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
      assert(version === SEAL_VERSION && payload !== undefined, 'sealed value has a known version');
      const bytes = Buffer.from(payload, 'base64url');
      assert(bytes.length > NONCE_BYTES + TAG_BYTES, 'sealed value holds nonce, tag and body');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    },
    fingerprint(clear, purpose) {
      return createHmac('sha256', fingerprintKey).update(`${purpose}\u0000${clear}`).digest('hex');
    },
  };
}
