/**
 * Applicant identity data at rest: the ID number and the requested settlement card number are sealed
 * (AES-256-GCM, @acq/crypto's sealer; the card registry later needs them in clear for 4-element
 * verification), and fingerprinted with HMAC-SHA256 so duplicates are found without decrypting. Both
 * keys derive from the local master key under distinct labels; the clear values never reach a log or a column.
 */
import { createHmac } from 'node:crypto';
import { assert } from '@acq/assert';
import { createSealer, deriveKey } from '@acq/crypto';

export interface SensitiveDataCipher {
  /** `purpose` binds the ciphertext to its column: a sealed ID number cannot be opened as a card. */
  seal(clear: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
  fingerprint(clear: string, purpose: string): string;
}

export function createSensitiveDataCipher(masterKey: Uint8Array): SensitiveDataCipher {
  assert(masterKey.length >= 16, 'master key is at least 16 bytes');
  const sealer = createSealer({ masterKey, keyLabel: 'acq/merchant/sensitive-data/seal' });
  const fingerprintKey = deriveKey(masterKey, 'acq/merchant/sensitive-data/fingerprint');
  return {
    seal: (clear, purpose) => sealer.seal(clear, purpose),
    open: (sealed, purpose) => sealer.open(sealed, purpose),
    fingerprint(clear, purpose) {
      return createHmac('sha256', fingerprintKey).update(`${purpose}\u0000${clear}`).digest('hex');
    },
  };
}
