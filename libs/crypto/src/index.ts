export {
  cbcLastBlock,
  DES_BLOCK_BYTES,
  DesEcbKey,
  DOUBLE_KEY_BYTES,
  expandTo3DesKey,
  keyCheckValue,
  keyCheckValueOf,
  SINGLE_KEY_BYTES,
  singleDesDecryptEcb,
  singleDesEncryptEcb,
  TRIPLE_KEY_BYTES,
  tripleDesDecryptEcb,
  tripleDesEncryptEcb,
  withOddParity,
} from './des.ts';
export { CRYPTO_ERROR_CODES, CryptoError, type CryptoErrorCode } from './errors.ts';
export {
  type GeneratedTerminalMasterKey,
  type GeneratedWorkingKeys,
  HSM_KEY_CACHE_ENTRIES_MAX,
  type Hsm,
  type ImportedKey,
  KEY_CHECK_VALUE_BYTES,
  type KeyUsage,
  SoftwareHsm,
} from './hsm.ts';
export { CUP_MAC_BYTES, cupEcbMac, x99Mac, x919Mac, zeroPadToBlock } from './mac.ts';
export {
  clearPinFromBlock,
  PAN_DIGITS_MAX,
  PAN_DIGITS_MIN,
  PIN_DIGITS_MAX,
  PIN_DIGITS_MIN,
  panField,
  pinBlockFormat0,
} from './pin-block.ts';
export { decryptTrackWithKey, encryptTrackWithKey, TRACK_BYTES_MIN } from './track.ts';
export { type ClearWorkingKeys, unwrapSignInKeys } from './working-keys.ts';

import { DesEcbKey } from './des.ts';
import { decryptTrackWithKey, encryptTrackWithKey } from './track.ts';

/** Encrypts a track's TDB with a clear TDK (terminal side); the switch uses SoftwareHsm.decryptTrackData. */
export function encryptTrackData(tdk: Buffer, track: string): string {
  return encryptTrackWithKey(new DesEcbKey(tdk), track);
}

export function decryptTrackData(tdk: Buffer, track: string): string {
  return decryptTrackWithKey(new DesEcbKey(tdk), track);
}
export { createSealer, deriveKey, type Sealer } from './sealer.ts';
