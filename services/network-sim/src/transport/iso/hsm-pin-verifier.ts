/**
 * The issuers' PIN check through the software HSM: the PIN block arrives under the network zone key
 * (ZPK) and is compared inside the HSM with the card's PIN; neither leaves it in clear.
 */
import { assert } from '@acq/assert';
import type { SoftwareHsm } from '@acq/crypto';
import type { PinVerifier } from '../../flows/issuer-flow.ts';

/**
 * Clear dev ZPK used when NETWORK_ZPK_UNDER_MASTER_KEY=derived: wrapped under HSM_MASTER_KEY at
 * start (SoftwareHsm.importKey(DEV_NETWORK_ZPK_CLEAR, 'ZPK')), so every service of the local start
 * that imports the same value gets the same blob. Never use it outside development.
 */
export const DEV_NETWORK_ZPK_CLEAR = '3B6D2F8A9C1E4057B2D4F6A8C0E21357';

export function resolveZonePinKey(hsm: SoftwareHsm, configured: string): string {
  if (configured !== 'derived') return configured.toUpperCase();
  return hsm.importKey(DEV_NETWORK_ZPK_CLEAR, 'ZPK').keyUnderMasterKey;
}

export class HsmPinVerifier implements PinVerifier {
  private readonly hsm: SoftwareHsm;
  private readonly zpkUnderMasterKey: string;

  constructor(hsm: SoftwareHsm, zpkUnderMasterKey: string) {
    assert(/^[0-9A-F]{32,48}$/.test(zpkUnderMasterKey), 'the ZPK is a hex blob under the master key');
    this.hsm = hsm;
    this.zpkUnderMasterKey = zpkUnderMasterKey;
  }

  verify(pinBlock: Uint8Array, pan: string, expectedPin: string): boolean {
    const block = Buffer.isBuffer(pinBlock) ? pinBlock : Buffer.from(pinBlock);
    return this.hsm.verifyPin(this.zpkUnderMasterKey, block, pan, expectedPin);
  }
}
