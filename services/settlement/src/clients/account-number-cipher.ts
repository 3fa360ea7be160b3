/**
 * Settlement's own sealing of settlement-card account numbers kept on payout rows (a payout must go
 * to the card it started with, even after a restart): @acq/crypto's sealer (AES-256-GCM, key derived
 * from the HSM master key) with a purpose label as associated data. The clear number exists only in
 * memory between the card registry's answer and the bank request.
 */
import { assert } from '@acq/assert';
import { createSealer } from '@acq/crypto';

const PURPOSE = 'settlement/payout-account-number';

export type AccountNumberCipher = {
  seal(accountNumber: string): string;
  open(sealed: string): string;
};

export function createAccountNumberCipher(masterKey: Uint8Array): AccountNumberCipher {
  const sealer = createSealer({ masterKey, keyLabel: 'acq/settlement/seal', versionTag: 's1' });
  return {
    seal(accountNumber) {
      assert(/^[0-9]{8,32}$/.test(accountNumber), 'account numbers are digit strings');
      return sealer.seal(accountNumber, PURPOSE);
    },
    open: (sealed) => sealer.open(sealed, PURPOSE),
  };
}
