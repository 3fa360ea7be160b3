/**
 * The terminal's side of sign-in: decrypt the working keys of field 62 with the clear TMK and check
 * each against its check value. Used by the terminal simulator and by tests of the HSM.
 */
import { parseSignInKeys62, type SignInKeyMode } from '@acq/iso8583';
import { DesEcbKey, keyCheckValueOf } from './des.ts';
import { CryptoError } from './errors.ts';

export interface ClearWorkingKeys {
  pik: Buffer;
  mak: Buffer;
  tdk?: Buffer;
}

function unwrapChecked(tmk: DesEcbKey, keyUnderTmk: Buffer, checkValue: Buffer, what: string): Buffer {
  const key = tmk.decrypt(keyUnderTmk);
  const actual = keyCheckValueOf(new DesEcbKey(key), checkValue.length);
  if (!actual.equals(checkValue)) throw new CryptoError('KEY_CHECK_VALUE_MISMATCH', `${what} check value`);
  return key;
}

export function unwrapSignInKeys(tmkClear: Buffer, field62: Buffer, mode: SignInKeyMode): ClearWorkingKeys {
  const tmk = new DesEcbKey(tmkClear);
  const keys = parseSignInKeys62(field62, mode);
  const clear: ClearWorkingKeys = {
    pik: unwrapChecked(tmk, keys.pinKeyUnderTmk, keys.pinKeyCheckValue, 'PIK'),
    mak: unwrapChecked(tmk, keys.macKeyUnderTmk, keys.macKeyCheckValue, 'MAK'),
  };
  if (keys.trackKeyUnderTmk !== undefined && keys.trackKeyCheckValue !== undefined) {
    clear.tdk = unwrapChecked(tmk, keys.trackKeyUnderTmk, keys.trackKeyCheckValue, 'TDK');
  }
  return clear;
}
