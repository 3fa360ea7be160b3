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
/**
 * Track (z) fields accept every nibble: in clear they hold digits and D ('='), but a terminal that
 * encrypts tracks with the TDK replaces 8 bytes with ciphertext, whose nibbles A-F are carried as
 * upper-case letters (D still reads as '=', so the text maps back to the bytes one to one).
 */
export const BCD_TRACK_PAIR = buildPairTable(() => true);
/** 1 when both nibbles are digits or the separator D: a track byte in clear, without ciphertext letters. */
export const BCD_TRACK_CLEAR_PAIR = buildPairTable((nibble) => nibble <= 9 || nibble === TRACK_SEPARATOR_NIBBLE);

export function isDigitNibble(nibble: number): boolean {
  return nibble <= 9;
}

export function isTrackNibble(nibble: number): boolean {
  return nibble <= 0x0f;
}

export function isPadNibble(nibble: number): boolean {
  return nibble === PAD_NIBBLE_WRITTEN || nibble === PAD_NIBBLE_ALTERNATE;
}

const CHAR_ZERO = 48;
const CHAR_NINE = 57;
const CHAR_EQUALS = 61;
const CHAR_UPPER_A = 65;
const CHAR_UPPER_F = 70;
const CHAR_UPPER_D = 68;

/**
 * Nibble for a character code, or -1 when the character is not allowed: digits always; in track
 * fields also '=' (nibble D) and the upper-case letters A, B, C, E, F of encrypted track bytes.
 */
export function nibbleOfCharCode(charCode: number, isTrackField: boolean): number {
  if (charCode >= CHAR_ZERO && charCode <= CHAR_NINE) return charCode - CHAR_ZERO;
  if (!isTrackField) return -1;
  if (charCode === CHAR_EQUALS) return TRACK_SEPARATOR_NIBBLE;
  if (charCode >= CHAR_UPPER_A && charCode <= CHAR_UPPER_F && charCode !== CHAR_UPPER_D) return charCode - 55;
  return -1;
}

export function isDigitCharCode(charCode: number): boolean {
  return charCode >= CHAR_ZERO && charCode <= CHAR_NINE;
}

function buildTextTable(nibbleText: (nibble: number) => string): string[] {
  const table: string[] = [];
  for (let byte = 0; byte < 256; byte++) table.push(nibbleText(byte >> 4) + nibbleText(byte & 0x0f));
  return table;
}

const HEX_UPPER = '0123456789ABCDEF';
/** Text of one nibble: a digit (or A-F; callers validate first). */
export const NIBBLE_TEXT: readonly string[] = [...HEX_UPPER];
/** Text of one nibble in a track field: D is the '=' separator. */
export const TRACK_NIBBLE_TEXT: readonly string[] = [...HEX_UPPER].map((char) =>
  char === 'D' ? TRACK_SEPARATOR_CHAR : char,
);
/**
 * Two-character text of a byte, so short BCD fields are read with one table lookup per byte in
 * JavaScript instead of a call into the native hex decoder (which costs more than the whole field).
 */
export const BCD_BYTE_TEXT: readonly string[] = buildTextTable((nibble) => NIBBLE_TEXT[nibble] as string);
export const TRACK_BYTE_TEXT: readonly string[] = buildTextTable((nibble) => TRACK_NIBBLE_TEXT[nibble] as string);
/** One-character latin1 text of a byte. */
export const LATIN1_BYTE_TEXT: readonly string[] = Array.from({ length: 256 }, (_, byte) => String.fromCharCode(byte));
