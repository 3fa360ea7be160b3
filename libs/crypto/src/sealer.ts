/**
 * Sealing of sensitive values at rest (ID numbers, settlement account numbers, phones): AES-256-GCM
 * under a key derived with HKDF from the local master key and a label naming the owner, with a
 * purpose as associated data so a value sealed for one column cannot be opened as another. Sealed
 * text is `<version>.<base64url(nonce | tag | ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const MASTER_KEY_BYTES_MIN = 16;

export interface Sealer {
  seal(clear: string, purpose: string): string;
  /** Throws when the text was not sealed by this key for this purpose (tampered or misplaced). */
  open(sealed: string, purpose: string): string;
}

/** A key derived from the master key for one owner and use, e.g. 'acq/settlement/seal'. */
export function deriveKey(masterKey: Uint8Array, label: string): Buffer {
  assert(masterKey.length >= MASTER_KEY_BYTES_MIN, 'the master key is at least 16 bytes');
  assert(label.length > 0, 'a derived key names its use');
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), label, KEY_BYTES));
}

export function createSealer(options: { masterKey: Uint8Array; keyLabel: string; versionTag?: string }): Sealer {
  const key = deriveKey(options.masterKey, options.keyLabel);
  const versionTag = options.versionTag ?? 'v1';
  assert(/^[a-z0-9]+$/.test(versionTag), 'the version tag is short and has no separator');
  return {
    seal(clear, purpose) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()]);
      return `${versionTag}.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, purpose) {
      const [version, payload] = sealed.split('.');
      assert(version === versionTag && payload !== undefined, 'a sealed value has a known version');
      const bytes = Buffer.from(payload, 'base64url');
      assert(bytes.length > NONCE_BYTES + TAG_BYTES, 'a sealed value holds nonce, tag and body');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      const body = bytes.subarray(NONCE_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}
