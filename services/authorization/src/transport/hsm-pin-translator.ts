/**
 * PinTranslatorPort over the software HSM: the terminal's PIN block (under its PIK) is translated to
 * the network zone key inside the HSM; a block the HSM refuses (bad format, wrong PAN) is a refusal.
 */
import { assert } from '@acq/assert';
import { CryptoError, type SoftwareHsm } from '@acq/crypto';
import type { PinTranslation, PinTranslatorPort } from '../flows/ports.ts';

/**
 * Clear dev ZPK used when NETWORK_ZPK_UNDER_MASTER_KEY=derived, the same documented value network-sim
 * imports, so the local start agrees on one zone key. Never use it outside development.
 */
export const DEV_NETWORK_ZPK_CLEAR = '3B6D2F8A9C1E4057B2D4F6A8C0E21357';

export function resolveZonePinKey(hsm: SoftwareHsm, configured: string): string {
  if (configured !== 'derived') return configured.toUpperCase();
  return hsm.importKey(DEV_NETWORK_ZPK_CLEAR, 'ZPK').keyUnderMasterKey;
}

export class HsmPinTranslator implements PinTranslatorPort {
  readonly #hsm: SoftwareHsm;
  readonly #zpkUnderMasterKey: string;

  constructor(hsm: SoftwareHsm, zpkUnderMasterKey: string) {
    assert(/^[0-9A-F]{32,48}$/.test(zpkUnderMasterKey), 'the ZPK is a hex blob under the master key');
    this.#hsm = hsm;
    this.#zpkUnderMasterKey = zpkUnderMasterKey;
  }

  translatePinBlock(pikUnderMasterKey: string, pinBlock: Uint8Array, pan: string): PinTranslation {
    try {
      const translated = this.#hsm.translatePinBlock(
        pikUnderMasterKey,
        Buffer.from(pinBlock),
        pan,
        this.#zpkUnderMasterKey,
      );
      return { ok: true, pinBlockUnderZpk: new Uint8Array(translated) };
    } catch (error) {
      // The HSM refuses malformed blocks and mismatched PANs: an operating error, answered 96.
      if (error instanceof CryptoError) return { ok: false };
      throw error;
    }
  }
}
