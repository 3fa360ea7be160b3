/**
 * Packs and unpacks MTI + bitmap + fields for any compiled spec. The decoder checks every length
 * against both the field's maximum and the bytes that remain before it reads, so a hostile frame
 * can only produce an IsoCodecError, never an out-of-bounds read. The encoder measures the whole
 * message first and writes it into one buffer.
 */
import { assert } from '@acq/assert';
import {
  BCD_BYTE_TEXT,
  BCD_DIGIT_PAIR,
  BCD_TRACK_CLEAR_PAIR,
  TRACK_BYTE_TEXT,
  TRACK_NIBBLE_TEXT,
  TRACK_SEPARATOR_CHAR,
  TRACK_SEPARATOR_NIBBLE,
  isDigitCharCode,
  isDigitNibble,
  isPadNibble,
  isTrackNibble,
  nibbleOfCharCode,
} from './bcd.ts';
import { IsoCodecError, NO_FIELD } from './errors.ts';
import { ISO_FIELD_NUMBER_MAX, ISO_FRAME_BYTES_MAX } from './limits.ts';
import { ENCODING_CODE, LENGTH_KIND_CODE, type MessageSpec } from './spec.ts';

/** Numeric and track fields are digit strings without pad ('=' kept), text is a string, binary a Buffer. */
export type FieldValue = string | Buffer;

export interface IsoMessage {
  mti: string;
  fields: Map<number, FieldValue>;
}

const MTI_DIGITS = 4;
const BITMAP_PRIMARY_BYTES = 8;
const FIELDS_PER_BITMAP = 64;
const ENC_N_RIGHT = ENCODING_CODE['n-bcd-right'];
const ENC_Z = ENCODING_CODE['z-bcd'];
const ENC_N_ASCII = ENCODING_CODE['n-ascii'];
const ENC_BINARY = ENCODING_CODE.binary;
const KIND_FIXED = LENGTH_KIND_CODE.fixed;
const CHAR_CODE_ZERO = 48;

function mtiBytesOf(spec: MessageSpec): number {
  return spec.mtiEncoding === 'bcd' ? MTI_DIGITS / 2 : MTI_DIGITS;
}

function contentBytesOf(encodingCode: number, units: number): number {
  return encodingCode <= ENC_Z ? (units + 1) >> 1 : units;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/** Reads the bitmap(s) at `offset`; returns their length in bytes (8 or 16). */
function readBitmapBytes(spec: MessageSpec, bytes: Buffer, offset: number, end: number): number {
  if (offset + BITMAP_PRIMARY_BYTES > end) throw new IsoCodecError('TRUNCATED', NO_FIELD, offset, 'bitmap');
  if (((bytes[offset] as number) & 0x80) === 0) return BITMAP_PRIMARY_BYTES;
  if (!spec.secondaryBitmap) throw new IsoCodecError('UNKNOWN_FIELD', 1, offset, 'secondary bitmap not in spec');
  if (offset + BITMAP_PRIMARY_BYTES * 2 > end) throw new IsoCodecError('TRUNCATED', 1, offset, 'secondary bitmap');
  return BITMAP_PRIMARY_BYTES * 2;
}

/**
 * Field numbers of the message being decoded, in bitmap order. Decoding is synchronous, so one
 * module-level list is safe to reuse; it holds numbers only, never field content.
 */
const decodedFieldNumbers = new Int32Array(ISO_FIELD_NUMBER_MAX + 1);

/**
 * Decodes every field after the MTI into `fieldValues[fieldNumber]` and returns how many fields
 * were read (their numbers are in decodedFieldNumbers). Bits are taken highest first with clz32,
 * so absent fields cost nothing.
 */
function readFieldValues(
  spec: MessageSpec,
  bytes: Buffer,
  bitmapStart: number,
  end: number,
  fieldValues: Array<FieldValue | undefined>,
): number {
  const bitmapBytes = readBitmapBytes(spec, bytes, bitmapStart, end);
  let offset = bitmapStart + bitmapBytes;
  let count = 0;
  for (let byteIndex = 0; byteIndex < bitmapBytes; byteIndex++) {
    let remainingBits = bytes[bitmapStart + byteIndex] as number;
    // Bit 1 announces the secondary bitmap (already read above), not a data element.
    if (byteIndex === 0) remainingBits &= 0x7f;
    while (remainingBits !== 0) {
      const bit = Math.clz32(remainingBits) - 24;
      remainingBits ^= 0x80 >> bit;
      const fieldNumber = byteIndex * 8 + bit + 1;
      offset = readField(spec, bytes, offset, end, fieldNumber, fieldValues);
      decodedFieldNumbers[count++] = fieldNumber;
    }
  }
  if (offset !== end) throw new IsoCodecError('TRAILING_BYTES', NO_FIELD, offset, `${end - offset} bytes after fields`);
  assert(count <= spec.fieldNumberMax, 'at most one value per field number');
  return count;
}

/**
 * The fast form of a decoded message: values indexed by field number (absent fields, 0 and 1 are
 * undefined), no Map. Building a Map of ~20 entries costs more than decoding all of their content,
 * so hot paths that read fields by number use this form; `toIsoMessage` turns it into IsoMessage.
 */
export interface IndexedIsoMessage {
  mti: string;
  /** Length `spec.fieldNumberMax + 1`; `fieldValues[n]` is data element n or undefined. */
  fieldValues: Array<FieldValue | undefined>;
}

function checkUnpackRange(spec: MessageSpec, bytes: Buffer, start: number, end: number): void {
  assert(start >= 0 && start <= end, 'unpack range start');
  assert(end <= bytes.length, 'unpack range end');
  if (end - start > spec.messageBytesMax) {
    throw new IsoCodecError('FRAME_TOO_LARGE', NO_FIELD, start, `message of ${end - start} bytes`);
  }
}

/** Decodes MTI + bitmap + fields occupying exactly bytes[start, end) into the indexed form. */
export function unpackIndexedMessageRange(
  spec: MessageSpec,
  bytes: Buffer,
  start: number,
  end: number,
): IndexedIsoMessage {
  checkUnpackRange(spec, bytes, start, end);
  resetMessageText(bytes, start, end);
  try {
    const mti = readMti(spec, bytes, start, end);
    const fieldValues = new Array<FieldValue | undefined>(spec.fieldNumberMax + 1);
    readFieldValues(spec, bytes, start + mtiBytesOf(spec), end, fieldValues);
    return { mti, fieldValues };
  } finally {
    releaseMessageText();
  }
}

export function unpackIndexedMessage(spec: MessageSpec, bytes: Buffer): IndexedIsoMessage {
  return unpackIndexedMessageRange(spec, asBuffer(bytes), 0, bytes.length);
}

/** Scratch values for the Map form; cleared after every decode so no card data outlives it. */
const scratchFieldValues = new Array<FieldValue | undefined>(ISO_FIELD_NUMBER_MAX + 1).fill(undefined);

/** Decodes MTI + bitmap + fields occupying exactly bytes[start, end). */
export function unpackMessageRange(spec: MessageSpec, bytes: Buffer, start: number, end: number): IsoMessage {
  checkUnpackRange(spec, bytes, start, end);
  resetMessageText(bytes, start, end);
  let count = 0;
  try {
    const mti = readMti(spec, bytes, start, end);
    count = readFieldValues(spec, bytes, start + mtiBytesOf(spec), end, scratchFieldValues);
    const fields = new Map<number, FieldValue>();
    for (let index = 0; index < count; index++) {
      const fieldNumber = decodedFieldNumbers[index] as number;
      fields.set(fieldNumber, scratchFieldValues[fieldNumber] as FieldValue);
    }
    return { mti, fields };
  } finally {
    releaseMessageText();
    // On a refusal the fields read so far are cleared too: the whole array is at most 129 slots.
    scratchFieldValues.fill(undefined);
  }
}

export function unpackMessage(spec: MessageSpec, bytes: Buffer): IsoMessage {
  return unpackMessageRange(spec, asBuffer(bytes), 0, bytes.length);
}

/** The Map form of an indexed message (fields in ascending number order, as unpackMessage gives). */
export function toIsoMessage(indexed: IndexedIsoMessage): IsoMessage {
  const fields = new Map<number, FieldValue>();
  const fieldValues = indexed.fieldValues;
  for (let fieldNumber = 2; fieldNumber < fieldValues.length; fieldNumber++) {
    const value = fieldValues[fieldNumber];
    if (value !== undefined) fields.set(fieldNumber, value);
  }
  return { mti: indexed.mti, fields };
}

/** Accepts any Uint8Array but decodes through Buffer methods without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readMti(spec: MessageSpec, bytes: Buffer, start: number, end: number): string {
  const mtiBytes = mtiBytesOf(spec);
  if (start + mtiBytes > end) throw new IsoCodecError('TRUNCATED', NO_FIELD, start, 'MTI');
  if (spec.mtiEncoding === 'bcd') {
    if (BCD_DIGIT_PAIR[bytes[start] as number] === 0 || BCD_DIGIT_PAIR[bytes[start + 1] as number] === 0) {
      throw new IsoCodecError('BAD_MTI', NO_FIELD, start, 'MTI is not BCD');
    }
    return (BCD_BYTE_TEXT[bytes[start] as number] as string) + (BCD_BYTE_TEXT[bytes[start + 1] as number] as string);
  }
  for (let index = start; index < start + mtiBytes; index++) {
    if (!isDigitCharCode(bytes[index] as number)) throw new IsoCodecError('BAD_MTI', NO_FIELD, index, 'MTI digit');
  }
  return readLatin1(bytes, start, start + mtiBytes);
}

/** The LL/LLL value at `offset` (the caller checked that its bytes are inside the message). */
function readLengthPrefix(spec: MessageSpec, bytes: Buffer, offset: number, prefixBytes: number, fieldNumber: number) {
  let value = 0;
  for (let index = offset; index < offset + prefixBytes; index++) {
    const byte = bytes[index] as number;
    if (spec.prefixIsBcd) {
      if (BCD_DIGIT_PAIR[byte] === 0) throw new IsoCodecError('BAD_BCD', fieldNumber, index, 'length prefix');
      value = value * 100 + (byte >> 4) * 10 + (byte & 0x0f);
    } else {
      if (!isDigitCharCode(byte)) throw new IsoCodecError('BAD_CHARACTER', fieldNumber, index, 'length prefix');
      value = value * 10 + (byte - 48);
    }
  }
  return value;
}

function readField(
  spec: MessageSpec,
  bytes: Buffer,
  fieldOffset: number,
  end: number,
  fieldNumber: number,
  fieldValues: Array<FieldValue | undefined>,
): number {
  const encodingCode = spec.encodingByField[fieldNumber] as number;
  if (encodingCode === 0) throw new IsoCodecError('UNKNOWN_FIELD', fieldNumber, fieldOffset, 'field not in spec');
  const prefixBytes = spec.prefixBytesByField[fieldNumber] as number;
  let units = spec.lengthByField[fieldNumber] as number;
  let offset = fieldOffset;
  if (prefixBytes !== 0) {
    if (offset + prefixBytes > end) throw new IsoCodecError('TRUNCATED', fieldNumber, offset, 'length prefix');
    const lengthMax = units;
    units = readLengthPrefix(spec, bytes, offset, prefixBytes, fieldNumber);
    if (units > lengthMax) {
      throw new IsoCodecError('LENGTH_EXCEEDS_MAX', fieldNumber, offset, `length ${units} above ${lengthMax}`);
    }
    offset += prefixBytes;
  }
  const contentBytes = contentBytesOf(encodingCode, units);
  const contentEnd = offset + contentBytes;
  if (contentEnd > end) {
    throw new IsoCodecError('TRUNCATED', fieldNumber, offset, `needs ${contentBytes} bytes, ${end - offset} left`);
  }
  if (encodingCode === ENC_BINARY) {
    fieldValues[fieldNumber] = bytes.subarray(offset, contentEnd);
  } else if (encodingCode === ENC_Z) {
    fieldValues[fieldNumber] = readTrack(bytes, offset, contentEnd, units, fieldNumber);
  } else if (encodingCode < ENC_Z) {
    fieldValues[fieldNumber] = readBcdDigits(bytes, offset, contentEnd, units, encodingCode, fieldNumber);
  } else {
    if (encodingCode === ENC_N_ASCII) checkAsciiDigits(bytes, offset, contentEnd, fieldNumber);
    fieldValues[fieldNumber] = readLatin1(bytes, offset, contentEnd);
  }
  return contentEnd;
}

function checkAsciiDigits(bytes: Buffer, start: number, end: number, fieldNumber: number): void {
  for (let index = start; index < end; index++) {
    if (!isDigitCharCode(bytes[index] as number)) throw new IsoCodecError('BAD_CHARACTER', fieldNumber, index, 'digit');
  }
}

/**
 * Numeric BCD content: every nibble is validated first (a digit, the pad nibble 0 or F), then the
 * digits are a slice of the whole message's hex text, which for validated BCD bytes is exactly
 * their digits. One native hex call per message costs less than building each field's string.
 */
function readBcdDigits(
  bytes: Buffer,
  start: number,
  end: number,
  digits: number,
  encodingCode: number,
  fieldNumber: number,
): string {
  const odd = (digits & 1) === 1;
  const padLeads = odd && encodingCode === ENC_N_RIGHT;
  const padTrails = odd && !padLeads;
  let fullStart = start;
  if (padLeads) {
    const byte = bytes[start] as number;
    if (!isPadNibble(byte >> 4) || !isDigitNibble(byte & 0x0f)) {
      throw new IsoCodecError('BAD_BCD', fieldNumber, start, 'leading pad');
    }
    fullStart = start + 1;
  }
  const fullEnd = padTrails ? end - 1 : end;
  for (let index = fullStart; index < fullEnd; index++) {
    if (BCD_DIGIT_PAIR[bytes[index] as number] === 0) throw new IsoCodecError('BAD_BCD', fieldNumber, index, 'nibble');
  }
  if (padTrails) {
    const byte = bytes[end - 1] as number;
    if (!isDigitNibble(byte >> 4) || !isPadNibble(byte & 0x0f)) {
      throw new IsoCodecError('BAD_BCD', fieldNumber, end - 1, 'trailing pad');
    }
  }
  const textStart = 2 * (start - messageStart) + (padLeads ? 1 : 0);
  return messageHexText(bytes).slice(textStart, textStart + digits);
}

/**
 * Track (z) content: any nibble is allowed, D reads as '=', ciphertext nibbles as upper-case
 * letters. A track in clear (digits and D only, the usual case) is a slice of the hex text; its one
 * separator (track 2 has exactly one) is spliced in as '=', which costs less than a replaceAll. A
 * track holding ciphertext is built from a byte table.
 */
function readTrack(bytes: Buffer, start: number, end: number, digits: number, fieldNumber: number): string {
  const padTrails = (digits & 1) === 1;
  const fullEnd = padTrails ? end - 1 : end;
  if (padTrails) {
    const byte = bytes[end - 1] as number;
    if (!isTrackNibble(byte >> 4) || !isPadNibble(byte & 0x0f)) {
      throw new IsoCodecError('BAD_BCD', fieldNumber, end - 1, 'trailing pad');
    }
  }
  const lastDigitNibble = padTrails ? (bytes[end - 1] as number) >> 4 : 0;
  let inClear = lastDigitNibble <= 9 || lastDigitNibble === TRACK_SEPARATOR_NIBBLE;
  let separators = lastDigitNibble === TRACK_SEPARATOR_NIBBLE && padTrails ? 1 : 0;
  let separatorDigit = separators === 1 ? digits - 1 : -1;
  for (let index = start; index < fullEnd && inClear; index++) {
    const byte = bytes[index] as number;
    inClear = BCD_TRACK_CLEAR_PAIR[byte] === 1;
    if (byte >> 4 === TRACK_SEPARATOR_NIBBLE) {
      if (separators++ === 0) separatorDigit = 2 * (index - start);
    }
    if ((byte & 0x0f) === TRACK_SEPARATOR_NIBBLE) {
      if (separators++ === 0) separatorDigit = 2 * (index - start) + 1;
    }
  }
  if (inClear) {
    const textStart = 2 * (start - messageStart);
    const hex = messageHexText(bytes);
    if (separators === 0) return hex.slice(textStart, textStart + digits);
    if (separators === 1) {
      const separatorAt = textStart + separatorDigit;
      return `${hex.slice(textStart, separatorAt)}${TRACK_SEPARATOR_CHAR}${hex.slice(separatorAt + 1, textStart + digits)}`;
    }
    return hex.slice(textStart, textStart + digits).replaceAll('d', TRACK_SEPARATOR_CHAR);
  }
  let text = '';
  for (let index = start; index < fullEnd; index++) text += TRACK_BYTE_TEXT[bytes[index] as number] as string;
  if (padTrails) text += TRACK_NIBBLE_TEXT[(bytes[end - 1] as number) >> 4] as string;
  return text;
}

/**
 * Whole-message text, made at most once per decode and only when a field needs it: hex for BCD
 * digits, latin1 for text. Each field is then a slice, which measured faster than building short
 * strings byte by byte from a table. Decoding is synchronous, so this module-level state is set per
 * decode and dropped when it ends. A field string of 13 or more characters may be a V8 slice that
 * keeps the whole-message text alive while the field lives; that text holds nothing the message's
 * own values and Buffer views (which keep the input alive) do not already hold.
 */
let messageLatin1: string | undefined;
let messageHex: string | undefined;
let messageStart = 0;
let messageEnd = 0;

function resetMessageText(bytes: Buffer, start: number, end: number): void {
  assert(bytes.length >= end, 'message text range inside the buffer');
  messageLatin1 = undefined;
  messageHex = undefined;
  messageStart = start;
  messageEnd = end;
}

function releaseMessageText(): void {
  messageLatin1 = undefined;
  messageHex = undefined;
}

function messageHexText(bytes: Buffer): string {
  if (messageHex === undefined) messageHex = bytes.toString('hex', messageStart, messageEnd);
  return messageHex;
}

function readLatin1(bytes: Buffer, start: number, end: number): string {
  assert(start >= messageStart, 'text field starts inside the message');
  assert(end <= messageEnd, 'text field ends inside the message');
  if (messageLatin1 === undefined) messageLatin1 = bytes.toString('latin1', messageStart, messageEnd);
  return messageLatin1.slice(start - messageStart, end - messageStart);
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/**
 * Every message is packed in one pass into this module-level buffer (validating each field as it is
 * written) and then copied out once at its exact size, so there is no measuring pass and no
 * allocation per field. Packing is synchronous, so one buffer serves every call; the bytes used are
 * zeroed again before the call returns so no message's card data stays in it. Callers may reserve
 * room before the message (frame length, TPDU, header) and fill it before the copy.
 */
const PACK_PREAMBLE_BYTES_MAX = 16;
const packScratch = Buffer.alloc(PACK_PREAMBLE_BYTES_MAX + ISO_FRAME_BYTES_MAX);

/**
 * The fields of a Map being packed, sorted by number, with their values. Packing is synchronous, so
 * these module-level scratch lists are safe to reuse; the values are cleared after every pack.
 */
const sortedFieldNumbers = new Int32Array(ISO_FIELD_NUMBER_MAX + 1);
const sortedFieldValues: FieldValue[] = new Array<FieldValue>(ISO_FIELD_NUMBER_MAX + 1).fill('');

function checkFieldNumber(spec: MessageSpec, fieldNumber: number): void {
  if (!Number.isInteger(fieldNumber) || fieldNumber < 2 || fieldNumber > spec.fieldNumberMax) {
    throw new IsoCodecError('UNKNOWN_FIELD', Number.isInteger(fieldNumber) ? fieldNumber : NO_FIELD, 0, 'number');
  }
  if (spec.encodingByField[fieldNumber] === 0) {
    throw new IsoCodecError('UNKNOWN_FIELD', fieldNumber, 0, 'field not in spec');
  }
}

function collectSortedFields(spec: MessageSpec, fields: Map<number, FieldValue>): number {
  let count = 0;
  for (const [fieldNumber, value] of fields) {
    checkFieldNumber(spec, fieldNumber);
    // Insertion sort: messages hold a few dozen fields at most and usually arrive nearly sorted.
    let position = count;
    while (position > 0 && (sortedFieldNumbers[position - 1] as number) > fieldNumber) {
      sortedFieldNumbers[position] = sortedFieldNumbers[position - 1] as number;
      sortedFieldValues[position] = sortedFieldValues[position - 1] as FieldValue;
      position--;
    }
    sortedFieldNumbers[position] = fieldNumber;
    sortedFieldValues[position] = value;
    count++;
  }
  return count;
}

/** Bytes the field occupies on the wire (prefix + content); validates type and length. */
function encodedFieldBytes(spec: MessageSpec, fieldNumber: number, value: FieldValue): number {
  const encodingCode = spec.encodingByField[fieldNumber] as number;
  const isBinary = encodingCode === ENC_BINARY;
  // The cheap typeof test first: most fields are strings.
  const typeMatches = typeof value === 'string' ? !isBinary : isBinary && Buffer.isBuffer(value);
  if (!typeMatches) {
    throw new IsoCodecError('BAD_VALUE_TYPE', fieldNumber, 0, isBinary ? 'needs a Buffer' : 'needs a string');
  }
  const units = value.length;
  const length = spec.lengthByField[fieldNumber] as number;
  if (spec.lengthKindByField[fieldNumber] === KIND_FIXED && units !== length) {
    throw new IsoCodecError('BAD_LENGTH', fieldNumber, 0, `length ${units}, fixed ${length}`);
  }
  if (units > length) throw new IsoCodecError('LENGTH_EXCEEDS_MAX', fieldNumber, 0, `length ${units} above ${length}`);
  return (spec.prefixBytesByField[fieldNumber] as number) + contentBytesOf(encodingCode, units);
}

/**
 * Refuses a message that does not fit `spec.messageBytesMax`, naming its whole size. Every field is
 * validated first, as a message with a bad field is refused for that field whatever its size.
 */
function frameTooLarge(
  spec: MessageSpec,
  numbers: ArrayLike<number>,
  values: ArrayLike<FieldValue | undefined>,
  zeroMacBytes = 0,
) {
  let size = mtiBytesOf(spec) + spec.bitmapBytes + zeroMacBytes;
  for (let index = 0; index < numbers.length; index++) {
    const value = values[index];
    if (value === undefined) continue;
    checkFieldNumber(spec, numbers[index] as number);
    size += encodedFieldBytes(spec, numbers[index] as number, value);
  }
  return new IsoCodecError('FRAME_TOO_LARGE', NO_FIELD, 0, `message of ${size} bytes`);
}

/**
 * Writes MTI and bitmap at `start` of the scratch buffer; returns where the first field goes. The
 * bitmap bytes are zeroed here and each field sets its bit as it is written.
 */
function writeHead(spec: MessageSpec, mti: string, start: number, bitmapBytes: number): number {
  const bitmapStart = writeMti(spec, packScratch, start, mti);
  // A loop of 8 or 16 stores costs less than a native fill call.
  for (let index = 0; index < bitmapBytes; index++) packScratch[bitmapStart + index] = 0;
  if (bitmapBytes > BITMAP_PRIMARY_BYTES) packScratch[bitmapStart] = 0x80;
  return bitmapStart + bitmapBytes;
}

function setBitmapBit(bitmapStart: number, fieldNumber: number): void {
  const byteIndex = bitmapStart + ((fieldNumber - 1) >> 3);
  packScratch[byteIndex] = (packScratch[byteIndex] as number) | (0x80 >> ((fieldNumber - 1) & 7));
}

/** Map form: packs at `start` of the scratch buffer and returns the end offset of the message. */
function packMapToScratch(spec: MessageSpec, message: IsoMessage, start: number, macZeros: boolean): number {
  let fields = message.fields;
  if (macZeros) {
    fields = new Map(fields);
    fields.set(spec.macFieldNumber, zeroMacOf(spec));
  }
  let count = 0;
  try {
    count = collectSortedFields(spec, fields);
    const highest = count === 0 ? 0 : (sortedFieldNumbers[count - 1] as number);
    const bitmapBytes = highest > FIELDS_PER_BITMAP ? BITMAP_PRIMARY_BYTES * 2 : BITMAP_PRIMARY_BYTES;
    const bitmapStart = start + mtiBytesOf(spec);
    const limit = start + spec.messageBytesMax;
    let offset = writeHead(spec, message.mti, start, bitmapBytes);
    for (let index = 0; index < count; index++) {
      const fieldNumber = sortedFieldNumbers[index] as number;
      offset = writeField(spec, offset, limit, fieldNumber, sortedFieldValues[index] as FieldValue);
      if (offset < 0) throw frameTooLarge(spec, sortedFieldNumbers.subarray(0, count), sortedFieldValues);
      setBitmapBit(bitmapStart, fieldNumber);
    }
    return offset;
  } finally {
    // No message's card data may outlive the call in the scratch list (also after a refusal, when
    // `count` is 0 but values before the refused number were stored).
    const stored = Math.min(Math.max(count, fields.size), sortedFieldValues.length);
    for (let index = 0; index < stored; index++) sortedFieldValues[index] = '';
  }
}

/** Zero bytes packed in place of the MAC, which the caller computes over the packed bytes. */
const ZERO_MAC_BYTES = Buffer.alloc(64);

function zeroMacOf(spec: MessageSpec): Buffer {
  assert(spec.macFieldBytes <= ZERO_MAC_BYTES.length, 'MAC field fits the zero block');
  return ZERO_MAC_BYTES.subarray(0, spec.macFieldBytes);
}

/** Field numbers 0..128, to name the indexed form's fields when measuring a refused message. */
const ALL_FIELD_NUMBERS = Int32Array.from({ length: ISO_FIELD_NUMBER_MAX + 1 }, (_, fieldNumber) => fieldNumber);

/** Indexed form: already in field number order, so no sort and no copy of the values. */
function packIndexedToScratch(spec: MessageSpec, message: IndexedIsoMessage, start: number, macZeros: boolean): number {
  const fieldValues = message.fieldValues;
  assert(fieldValues.length <= ISO_FIELD_NUMBER_MAX + 1, 'indexed message longer than any bitmap');
  let highest = fieldValues.length - 1;
  while (highest >= 0 && fieldValues[highest] === undefined) highest--;
  // The MAC field is the spec's last field number: with zeros for it the message reaches it (a
  // value past it is still refused below).
  if (macZeros) highest = Math.max(highest, spec.macFieldNumber);
  const bitmapBytes = highest > FIELDS_PER_BITMAP ? BITMAP_PRIMARY_BYTES * 2 : BITMAP_PRIMARY_BYTES;
  const bitmapStart = start + mtiBytesOf(spec);
  const limit = start + spec.messageBytesMax;
  let offset = writeHead(spec, message.mti, start, bitmapBytes);
  for (let fieldNumber = 0; fieldNumber <= highest; fieldNumber++) {
    const value = macZeros && fieldNumber === spec.macFieldNumber ? zeroMacOf(spec) : fieldValues[fieldNumber];
    if (value === undefined) continue;
    // fieldNumber is an integer index: only the range and the spec can refuse it.
    if (fieldNumber < 2 || fieldNumber > spec.fieldNumberMax || spec.encodingByField[fieldNumber] === 0) {
      checkFieldNumber(spec, fieldNumber);
    }
    offset = writeField(spec, offset, limit, fieldNumber, value);
    if (offset < 0) {
      const zeroMacBytes = macZeros && fieldValues[spec.macFieldNumber] === undefined ? spec.macFieldBytes : 0;
      throw frameTooLarge(spec, ALL_FIELD_NUMBERS.subarray(0, fieldValues.length), fieldValues, zeroMacBytes);
    }
    setBitmapBit(bitmapStart, fieldNumber);
  }
  return offset;
}

/** Copies scratch[start, end) into a new Buffer of its exact size and zeroes the scratch bytes. */
function takeScratch(start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  packScratch.copy(out, 0, start, end);
  packScratch.fill(0, start, end);
  return out;
}

/** Zeroes what a refused pack may have written (the message never exceeds the scratch buffer). */
function clearScratch(start: number, spec: MessageSpec): void {
  packScratch.fill(0, start, start + spec.messageBytesMax);
}

function packWith<Message>(
  spec: MessageSpec,
  message: Message,
  preamble: Buffer | undefined,
  macZeros: boolean,
  pack: (spec: MessageSpec, message: Message, start: number, macZeros: boolean) => number,
): Buffer {
  const start = preamble === undefined ? 0 : preamble.length;
  assert(start <= PACK_PREAMBLE_BYTES_MAX, 'preamble fits the scratch buffer');
  let end = -1;
  try {
    end = pack(spec, message, start, macZeros);
  } finally {
    if (end < 0) clearScratch(start, spec);
  }
  if (preamble !== undefined)
    for (let index = 0; index < start; index++) packScratch[index] = preamble[index] as number;
  return takeScratch(0, end);
}

export function packMessage(spec: MessageSpec, message: IsoMessage): Buffer {
  return packWith(spec, message, undefined, false, packMapToScratch);
}

/** Packs the indexed form (`fieldValues[n]` = data element n); same checks and bytes as packMessage. */
export function packIndexedMessage(spec: MessageSpec, message: IndexedIsoMessage): Buffer {
  return packWith(spec, message, undefined, false, packIndexedToScratch);
}

/**
 * Packs either message form after `preamble` (frame length, TPDU, header: at most
 * PACK_PREAMBLE_BYTES_MAX bytes, copied as given) into one Buffer, so framing costs no second
 * allocation or copy. With `macZeros` the MAC field is packed as zeros whatever the message holds,
 * for the caller to compute the MAC over the packed bytes and write it in place.
 */
export function packMessageAfter(
  spec: MessageSpec,
  preamble: Buffer,
  message: IsoMessage | IndexedIsoMessage,
  macZeros: boolean,
): Buffer {
  if ('fieldValues' in message) return packWith(spec, message, preamble, macZeros, packIndexedToScratch);
  return packWith(spec, message, preamble, macZeros, packMapToScratch);
}

/** Short binary values (PIN block, MAC) are copied in JavaScript; a native copy costs more. */
const BINARY_JS_COPY_BYTES_MAX = 16;

function writeBinary(out: Buffer, offset: number, value: Buffer): number {
  if (value.length > BINARY_JS_COPY_BYTES_MAX) return offset + value.copy(out, offset);
  for (let index = 0; index < value.length; index++) out[offset + index] = value[index] as number;
  return offset + value.length;
}

function writeMti(spec: MessageSpec, out: Buffer, start: number, mti: string): number {
  if (typeof mti !== 'string' || mti.length !== MTI_DIGITS) throw new IsoCodecError('BAD_MTI', NO_FIELD, 0, 'length');
  for (let index = 0; index < MTI_DIGITS; index++) {
    if (!isDigitCharCode(mti.charCodeAt(index))) throw new IsoCodecError('BAD_MTI', NO_FIELD, index, 'digit');
  }
  if (spec.mtiEncoding === 'ascii') {
    for (let index = 0; index < MTI_DIGITS; index++) out[start + index] = mti.charCodeAt(index);
    return start + MTI_DIGITS;
  }
  out[start] = ((mti.charCodeAt(0) - CHAR_CODE_ZERO) << 4) | (mti.charCodeAt(1) - CHAR_CODE_ZERO);
  out[start + 1] = ((mti.charCodeAt(2) - CHAR_CODE_ZERO) << 4) | (mti.charCodeAt(3) - CHAR_CODE_ZERO);
  return start + MTI_DIGITS / 2;
}

/** BCD byte of 0..99 (e.g. 42 -> 0x42): prefixes are written with a table read, not divisions. */
const BCD_BYTE_OF_NUMBER = Uint8Array.from({ length: 100 }, (_, value) => ((value / 10) << 4) | (value % 10));

function writeLengthPrefix(out: Buffer, offset: number, prefixBytes: number, prefixIsBcd: boolean, units: number) {
  assert(units <= 9999, 'a length prefix holds at most four digits');
  const hundreds = (units / 100) | 0;
  const belowHundred = units - hundreds * 100;
  if (prefixIsBcd) {
    if (prefixBytes === 1) {
      out[offset] = BCD_BYTE_OF_NUMBER[belowHundred] as number;
      return;
    }
    out[offset] = BCD_BYTE_OF_NUMBER[hundreds] as number;
    out[offset + 1] = BCD_BYTE_OF_NUMBER[belowHundred] as number;
    return;
  }
  const tens = (belowHundred / 10) | 0;
  const last = offset + prefixBytes - 1;
  out[last] = CHAR_CODE_ZERO + belowHundred - tens * 10;
  out[last - 1] = CHAR_CODE_ZERO + tens;
  if (prefixBytes === 3) out[offset] = CHAR_CODE_ZERO + hundreds;
}

/**
 * Validates one field (type, fixed length or maximum) and writes prefix and content at `offset` of
 * the scratch buffer. Returns the offset after it, or -1 when it would pass `limit` (nothing of it
 * is then written; the caller refuses the message as too large).
 */
function writeField(spec: MessageSpec, offset: number, limit: number, fieldNumber: number, value: FieldValue): number {
  const encodingCode = spec.encodingByField[fieldNumber] as number;
  // The common case (a string of an allowed length for a non-binary field) is decided with one
  // read per table; anything else goes through encodedFieldBytes, which validates a Buffer or
  // names the refusal (also for values of neither type).
  const prefixBytes = spec.prefixBytesByField[fieldNumber] as number;
  const length = spec.lengthByField[fieldNumber] as number;
  const isString = typeof value === 'string';
  const plain =
    isString && encodingCode !== ENC_BINARY && (prefixBytes === 0 ? value.length === length : value.length <= length);
  const fieldBytes = plain
    ? prefixBytes + contentBytesOf(encodingCode, value.length)
    : encodedFieldBytes(spec, fieldNumber, value);
  const units = value.length;
  const end = offset + fieldBytes;
  if (end > limit) return -1;
  if (prefixBytes !== 0) writeLengthPrefix(packScratch, offset, prefixBytes, spec.prefixIsBcd, units);
  const contentStart = offset + prefixBytes;
  const out = packScratch;
  if (!isString) writeBinary(out, contentStart, value);
  else if (encodingCode <= ENC_Z) writeBcd(out, contentStart, value, encodingCode, fieldNumber);
  else if (encodingCode === ENC_N_ASCII) writeAsciiDigits(out, contentStart, value, fieldNumber);
  else writeLatin1(out, contentStart, value, fieldNumber);
  return end;
}

// Validating and writing in one loop avoids a native call per field for the short text fields; one
// loop per character class keeps the per-character test a single comparison.
function writeAsciiDigits(out: Buffer, offset: number, value: string, fieldNumber: number): number {
  const length = value.length;
  for (let index = 0; index < length; index++) {
    const digit = value.charCodeAt(index) - CHAR_CODE_ZERO;
    if (digit >>> 0 > 9) throw new IsoCodecError('BAD_CHARACTER', fieldNumber, index, 'character not allowed');
    out[offset + index] = digit + CHAR_CODE_ZERO;
  }
  return offset + length;
}

function writeLatin1(out: Buffer, offset: number, value: string, fieldNumber: number): number {
  const length = value.length;
  for (let index = 0; index < length; index++) {
    const charCode = value.charCodeAt(index);
    if (charCode > 0xff) throw new IsoCodecError('BAD_CHARACTER', fieldNumber, index, 'character not allowed');
    out[offset + index] = charCode;
  }
  return offset + length;
}

function nibbleAt(value: string, index: number, allowSeparator: boolean, fieldNumber: number): number {
  const nibble = nibbleOfCharCode(value.charCodeAt(index), allowSeparator);
  if (nibble < 0) throw new IsoCodecError('BAD_BCD', fieldNumber, index, 'character is not BCD');
  return nibble;
}

/**
 * Digits are packed two at a time on a fast path (one unsigned compare per character); anything
 * else (track separator, ciphertext letters, a bad character) goes through nibbleAt, which decides
 * and names the exact offset of a refusal.
 */
function writeBcd(out: Buffer, start: number, value: string, encodingCode: number, fieldNumber: number): number {
  const allowSeparator = encodingCode === ENC_Z;
  const digits = value.length;
  let position = start;
  let index = 0;
  // A right-aligned odd value starts with the pad nibble, so its first digit sits in the low nibble.
  if ((digits & 1) === 1 && encodingCode === ENC_N_RIGHT) {
    out[position++] = nibbleAt(value, 0, allowSeparator, fieldNumber);
    index = 1;
  }
  for (; index + 1 < digits; index += 2) {
    let high = value.charCodeAt(index) - CHAR_CODE_ZERO;
    let low = value.charCodeAt(index + 1) - CHAR_CODE_ZERO;
    if (high >>> 0 > 9 || low >>> 0 > 9) {
      high = nibbleAt(value, index, allowSeparator, fieldNumber);
      low = nibbleAt(value, index + 1, allowSeparator, fieldNumber);
    }
    out[position++] = (high << 4) | low;
  }
  if (index < digits) out[position++] = nibbleAt(value, index, allowSeparator, fieldNumber) << 4;
  assert(position - start === (digits + 1) >> 1, 'BCD bytes written');
  return position;
}
