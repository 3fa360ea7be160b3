/**
 * Field 62 of a sign-in response (0810) carries the new working keys encrypted under the terminal
 * master key, each followed by a 4-byte check value (first 4 bytes of E_key(8 zero bytes)):
 * - 60.3 = 001 (single-length): PIK(8) KCV(4) MAK(8) KCV(4) = 24 bytes;
 * - 60.3 = 003 (double-length): PIK(16) KCV(4) MAK(8 + 8 zero bytes) KCV(4) = 40 bytes;
 * - 60.3 = 004 (double-length with track key): the 003 layout + TDK(16) KCV(4) = 60 bytes.
 * The MAK of the CUP ECB MAC is single-length in every mode; 003/004 keep a 16-byte slot for it.
 */
import { IsoCodecError } from '../errors.ts';

export type SignInKeyMode = '001' | '003' | '004';

export const WORKING_KEY_CHECK_VALUE_BYTES = 4;
const FIELD_62 = 62;

interface KeyLayout {
  pinKeyBytes: number;
  macKeySlotBytes: number;
  trackKeyBytes: number;
}

const LAYOUTS: Readonly<Record<SignInKeyMode, KeyLayout>> = {
  '001': { pinKeyBytes: 8, macKeySlotBytes: 8, trackKeyBytes: 0 },
  '003': { pinKeyBytes: 16, macKeySlotBytes: 16, trackKeyBytes: 0 },
  '004': { pinKeyBytes: 16, macKeySlotBytes: 16, trackKeyBytes: 16 },
};

/** MAC keys are single-length in every mode. */
export const MAC_KEY_BYTES = 8;

export interface SignInKeys62 {
  /** PIK encrypted under the TMK. */
  pinKeyUnderTmk: Buffer;
  pinKeyCheckValue: Buffer;
  /** MAK (8 bytes) encrypted under the TMK. */
  macKeyUnderTmk: Buffer;
  macKeyCheckValue: Buffer;
  /** TDK encrypted under the TMK; present only in mode 004. */
  trackKeyUnderTmk?: Buffer;
  trackKeyCheckValue?: Buffer;
}

export function signInKeys62Bytes(mode: SignInKeyMode): number {
  const layout = LAYOUTS[mode];
  const check = WORKING_KEY_CHECK_VALUE_BYTES;
  return (
    layout.pinKeyBytes +
    check +
    layout.macKeySlotBytes +
    check +
    (layout.trackKeyBytes > 0 ? layout.trackKeyBytes + check : 0)
  );
}

export function isSignInKeyMode(value: string): value is SignInKeyMode {
  return value === '001' || value === '003' || value === '004';
}

export function parseSignInKeys62(field62: Buffer, mode: SignInKeyMode): SignInKeys62 {
  const layout = LAYOUTS[mode];
  const expected = signInKeys62Bytes(mode);
  if (field62.length !== expected) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_62, 0, `mode ${mode} needs ${expected} bytes, got ${field62.length}`);
  }
  const check = WORKING_KEY_CHECK_VALUE_BYTES;
  const pinCheckStart = layout.pinKeyBytes;
  const macStart = pinCheckStart + check;
  const macCheckStart = macStart + layout.macKeySlotBytes;
  const trackStart = macCheckStart + check;
  const macSlot = field62.subarray(macStart, macCheckStart);
  for (let index = MAC_KEY_BYTES; index < macSlot.length; index++) {
    if (macSlot[index] !== 0) {
      throw new IsoCodecError('BAD_SUBFIELD', FIELD_62, macStart + index, 'MAK slot padding is not zero');
    }
  }
  const keys: SignInKeys62 = {
    pinKeyUnderTmk: field62.subarray(0, pinCheckStart),
    pinKeyCheckValue: field62.subarray(pinCheckStart, macStart),
    macKeyUnderTmk: macSlot.subarray(0, MAC_KEY_BYTES),
    macKeyCheckValue: field62.subarray(macCheckStart, trackStart),
  };
  if (layout.trackKeyBytes > 0) {
    const trackCheckStart = trackStart + layout.trackKeyBytes;
    keys.trackKeyUnderTmk = field62.subarray(trackStart, trackCheckStart);
    keys.trackKeyCheckValue = field62.subarray(trackCheckStart, trackCheckStart + check);
  }
  return keys;
}

function requireLength(buffer: Buffer | undefined, bytes: number, what: string): Buffer {
  if (buffer === undefined || buffer.length !== bytes) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_62, 0, `${what} must be ${bytes} bytes`);
  }
  return buffer;
}

export function buildSignInKeys62(keys: SignInKeys62, mode: SignInKeyMode): Buffer {
  const layout = LAYOUTS[mode];
  const check = WORKING_KEY_CHECK_VALUE_BYTES;
  const parts = [
    requireLength(keys.pinKeyUnderTmk, layout.pinKeyBytes, 'PIK'),
    requireLength(keys.pinKeyCheckValue, check, 'PIK check value'),
    requireLength(keys.macKeyUnderTmk, MAC_KEY_BYTES, 'MAK'),
    Buffer.alloc(layout.macKeySlotBytes - MAC_KEY_BYTES),
    requireLength(keys.macKeyCheckValue, check, 'MAK check value'),
  ];
  if (layout.trackKeyBytes > 0) {
    parts.push(requireLength(keys.trackKeyUnderTmk, layout.trackKeyBytes, 'TDK'));
    parts.push(requireLength(keys.trackKeyCheckValue, check, 'TDK check value'));
  } else if (keys.trackKeyUnderTmk !== undefined) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_62, 0, `mode ${mode} carries no TDK`);
  }
  const out = Buffer.concat(parts);
  if (out.length !== signInKeys62Bytes(mode)) throw new IsoCodecError('BAD_SUBFIELD', FIELD_62, 0, 'layout size');
  return out;
}
