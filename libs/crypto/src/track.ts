/**
 * CUP track data encryption with the TDK: the track is packed as BCD ('=' as nibble D, odd length
 * padded with a 0 nibble), the 8 bytes that end just before the last byte (the TDB) are replaced by
 * their 3DES-ECB encryption, and the result is returned in the track text form the codec carries
 * (digits, '=' for D, upper-case A-F for ciphertext nibbles), with the same number of digits.
 */
import { DES_BLOCK_BYTES, type DesEcbKey } from './des.ts';
import { CryptoError } from './errors.ts';

/** The TDB needs 8 bytes before the last byte of the packed track. */
export const TRACK_BYTES_MIN = DES_BLOCK_BYTES + 1;
const TRACK_DIGITS_MAX = 104;

function trackToBytes(track: string): Buffer {
  if (track.length === 0 || track.length > TRACK_DIGITS_MAX) throw new CryptoError('BAD_TRACK', 'track length');
  let hex = '';
  for (let index = 0; index < track.length; index++) {
    const char = track.charAt(index);
    if (char === '=') hex += 'D';
    else if ('0123456789ABCEF'.includes(char)) hex += char;
    else throw new CryptoError('BAD_TRACK', `character at ${index} is not track data`);
  }
  if (hex.length % 2 === 1) hex += '0';
  return Buffer.from(hex, 'hex');
}

function bytesToTrack(bytes: Buffer, digits: number): string {
  return bytes.toString('hex').toUpperCase().slice(0, digits).replaceAll('D', '=');
}

function transformTdb(tdk: DesEcbKey, track: string, encrypt: boolean): string {
  const bytes = trackToBytes(track);
  if (bytes.length < TRACK_BYTES_MIN) {
    throw new CryptoError('BAD_TRACK', `track of ${bytes.length} bytes; needs ${TRACK_BYTES_MIN}`);
  }
  const tdbStart = bytes.length - 1 - DES_BLOCK_BYTES;
  const tdb = bytes.subarray(tdbStart, tdbStart + DES_BLOCK_BYTES);
  const replaced = encrypt ? tdk.encrypt(tdb) : tdk.decrypt(tdb);
  replaced.copy(bytes, tdbStart);
  const out = bytesToTrack(bytes, track.length);
  bytes.fill(0);
  return out;
}

export function encryptTrackWithKey(tdk: DesEcbKey, track: string): string {
  return transformTdb(tdk, track, true);
}

export function decryptTrackWithKey(tdk: DesEcbKey, track: string): string {
  return transformTdb(tdk, track, false);
}
