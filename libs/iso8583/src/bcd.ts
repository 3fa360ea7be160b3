/**
 * Precomputed byte tables for BCD so the codec validates a byte with one array read and turns a
 * digit string into nibbles with one subtraction. Reading uses the Buffer's native hex slice: for
 * a validated BCD byte its hex form is exactly its two digits.
 */

/** Nibble value 0xD stands for '=' (the track 2 field separator) in z (track) fields. */
export const TRACK_SEPARATOR_NIBBLE = 0xd;
export const TRACK_SEPARATOR_CHAR = '=';
export const PAD_NIBBLE_WRITTEN = 0x0;
export const PAD_NIBBLE_ALTERNATE = 0xf;

function buildPairTable(nibbleAllowed: (nibble: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) {
    table[byte] = nibbleAllowed(byte >> 4) && nibbleAllowed(byte & 0x0f) ? 1 : 0;
  }
  return table;
}

/** 1 when both nibbles of the byte are decimal digits. */
export const BCD_DIGIT_PAIR = buildPairTable((nibble) => nibble <= 9);
/** 1 when both nibbles are digits or the track separator. */
export const BCD_TRACK_PAIR = buildPairTable((nibble) => nibble <= 9 || nibble === TRACK_SEPARATOR_NIBBLE);

export function isDigitNibble(nibble: number): boolean {
  return nibble <= 9;
}

export function isTrackNibble(nibble: number): boolean {
  return nibble <= 9 || nibble === TRACK_SEPARATOR_NIBBLE;
}

export function isPadNibble(nibble: number): boolean {
  return nibble === PAD_NIBBLE_WRITTEN || nibble === PAD_NIBBLE_ALTERNATE;
}

const CHAR_ZERO = 48;
const CHAR_NINE = 57;
const CHAR_EQUALS = 61;

/**
 * Nibble for a character code, or -1 when the character is not allowed: digits always, '=' only in
 * track fields.
 */
export function nibbleOfCharCode(charCode: number, allowTrackSeparator: boolean): number {
  if (charCode >= CHAR_ZERO && charCode <= CHAR_NINE) return charCode - CHAR_ZERO;
  if (allowTrackSeparator && charCode === CHAR_EQUALS) return TRACK_SEPARATOR_NIBBLE;
  return -1;
}

export function isDigitCharCode(charCode: number): boolean {
  return charCode >= CHAR_ZERO && charCode <= CHAR_NINE;
}
