/**
 * A spec is data: one entry per data element saying how its length is carried, its maximum length,
 * how its content is encoded and how a debug dump must mask it (moov-io/iso8583 style). `defineSpec`
 * checks the table once and compiles it into flat typed arrays so the codec's hot loop reads
 * numbers, not objects.
 */
import { assert } from '@acq/assert';
import { ISO_FIELD_NUMBER_MAX, ISO_FRAME_BYTES_MAX } from './limits.ts';

/** How a field's length is carried: not at all (fixed), in 2 digits (LL) or 3-4 digits (LLL). */
export type LengthKind = 'fixed' | 'LL' | 'LLL';
/**
 * Content encodings:
 * - `n-bcd-left`: digits packed two per byte, an odd count padded with a trailing 0 nibble (F read too);
 * - `n-bcd-right`: as above but the pad nibble leads (right-aligned numbers such as DE23);
 * - `z-bcd`: track data packed like n-bcd-left with '=' as nibble D;
 * - `n-ascii`: ASCII digits only; `ascii`: one byte per character (latin1, byte-exact);
 * - `binary`: raw bytes, surfaced as a Buffer.
 */
export type FieldEncoding = 'n-bcd-left' | 'n-bcd-right' | 'z-bcd' | 'n-ascii' | 'ascii' | 'binary';
/** How LL/LLL prefixes are written: CUP POS uses BCD bytes (1 or 2), ISO 8583:1987 ASCII digits (2 or 3). */
export type LengthPrefixEncoding = 'bcd' | 'ascii';
/** How a debug dump shows the field: in clear, PAN-masked (first 6, last 4), or hidden entirely. */
export type MaskKind = 'clear' | 'pan' | 'hidden';

export interface FieldSpec {
  readonly lengthKind: LengthKind;
  /** Fixed length, or the maximum for LL/LLL, in digits for BCD encodings and bytes otherwise. */
  readonly length: number;
  readonly encoding: FieldEncoding;
  readonly description: string;
  readonly mask: MaskKind;
}

export type MtiEncoding = 'bcd' | 'ascii';

export interface SpecDefinition {
  readonly name: string;
  readonly mtiEncoding: MtiEncoding;
  readonly lengthPrefixEncoding: LengthPrefixEncoding;
  /** True when bit 1 announces a secondary bitmap (fields 65-128). */
  readonly secondaryBitmap: boolean;
  /** The MAC field (64 or 128): always the last field of a message; excluded from the MAC input. */
  readonly macFieldNumber: number;
  readonly messageBytesMax: number;
  readonly fields: Readonly<Record<number, FieldSpec>>;
}

export const LENGTH_KIND_CODE = { fixed: 0, LL: 1, LLL: 2 } as const;
export const ENCODING_CODE = {
  'n-bcd-left': 1,
  'n-bcd-right': 2,
  'z-bcd': 3,
  'n-ascii': 4,
  ascii: 5,
  binary: 6,
} as const;

/** A compiled spec: the definition plus per-field arrays indexed by field number (0 = undefined). */
export interface MessageSpec {
  readonly definition: SpecDefinition;
  readonly name: string;
  readonly mtiEncoding: MtiEncoding;
  readonly prefixIsBcd: boolean;
  readonly secondaryBitmap: boolean;
  readonly bitmapBytes: number;
  readonly fieldNumberMax: number;
  readonly macFieldNumber: number;
  /** Byte length of the MAC field (it must be fixed-length binary). */
  readonly macFieldBytes: number;
  readonly messageBytesMax: number;
  /** ENCODING_CODE per field; 0 means the field is not in the spec. */
  readonly encodingByField: Uint8Array;
  readonly lengthKindByField: Uint8Array;
  readonly lengthByField: Uint16Array;
  /** Bytes of the field's length prefix on the wire: 0 (fixed), 1-2 (BCD LL/LLL), 2-3 (ASCII LL/LLL). */
  readonly prefixBytesByField: Uint8Array;
  readonly fieldSpecs: ReadonlyArray<FieldSpec | undefined>;
}

export function isBcdEncoding(encodingCode: number): boolean {
  return encodingCode >= ENCODING_CODE['n-bcd-left'] && encodingCode <= ENCODING_CODE['z-bcd'];
}

/** Length prefix bytes: BCD packs two digits a byte (LL 1, LLL 2), ASCII writes one a byte (2, 3). */
const PREFIX_BYTES: Record<LengthPrefixEncoding, Record<LengthKind, number>> = {
  bcd: { fixed: 0, LL: 1, LLL: 2 },
  ascii: { fixed: 0, LL: 2, LLL: 3 },
};

/** Longest value a prefix can express: LL = 99; LLL = 999 (ASCII, 3 digits) or 9999 (BCD, 2 bytes). */
function prefixValueMax(lengthKind: LengthKind, prefix: LengthPrefixEncoding): number {
  if (lengthKind === 'LL') return 99;
  if (lengthKind === 'LLL') return prefix === 'bcd' ? 9999 : 999;
  return Number.MAX_SAFE_INTEGER;
}

export function defineSpec(definition: SpecDefinition): MessageSpec {
  const fieldNumberMax = definition.secondaryBitmap ? ISO_FIELD_NUMBER_MAX : 64;
  assert(definition.messageBytesMax <= ISO_FRAME_BYTES_MAX, 'a message must fit in a frame');
  assert(definition.macFieldNumber === fieldNumberMax, 'the MAC field must be the last field number');
  const encodingByField = new Uint8Array(fieldNumberMax + 1);
  const lengthKindByField = new Uint8Array(fieldNumberMax + 1);
  const lengthByField = new Uint16Array(fieldNumberMax + 1);
  const prefixBytesByField = new Uint8Array(fieldNumberMax + 1);
  const fieldSpecs: Array<FieldSpec | undefined> = new Array(fieldNumberMax + 1).fill(undefined);
  for (const [key, field] of Object.entries(definition.fields)) {
    const fieldNumber = Number(key);
    assert(Number.isInteger(fieldNumber), `${definition.name}: field key ${key} is not a number`);
    assert(fieldNumber >= 2, `${definition.name}: field 1 is the secondary bitmap, not a data element`);
    assert(fieldNumber <= fieldNumberMax, `${definition.name}: field ${fieldNumber} beyond the bitmap`);
    assert(field.length >= 1, `${definition.name}: field ${fieldNumber} needs a positive length`);
    assert(field.length <= 0xffff, `${definition.name}: field ${fieldNumber} length beyond 16 bits`);
    const prefixMax = prefixValueMax(field.lengthKind, definition.lengthPrefixEncoding);
    assert(field.length <= prefixMax, `${definition.name}: field ${fieldNumber} max exceeds its prefix`);
    encodingByField[fieldNumber] = ENCODING_CODE[field.encoding];
    lengthKindByField[fieldNumber] = LENGTH_KIND_CODE[field.lengthKind];
    lengthByField[fieldNumber] = field.length;
    prefixBytesByField[fieldNumber] = PREFIX_BYTES[definition.lengthPrefixEncoding][field.lengthKind];
    fieldSpecs[fieldNumber] = field;
  }
  const macField = fieldSpecs[definition.macFieldNumber];
  assert(macField !== undefined, `${definition.name}: the MAC field must be defined`);
  assert(macField.encoding === 'binary', `${definition.name}: the MAC field must be binary`);
  assert(macField.lengthKind === 'fixed', `${definition.name}: the MAC field must be fixed-length`);
  return {
    definition,
    name: definition.name,
    mtiEncoding: definition.mtiEncoding,
    prefixIsBcd: definition.lengthPrefixEncoding === 'bcd',
    secondaryBitmap: definition.secondaryBitmap,
    bitmapBytes: definition.secondaryBitmap ? 16 : 8,
    fieldNumberMax,
    macFieldNumber: definition.macFieldNumber,
    macFieldBytes: macField.length,
    messageBytesMax: definition.messageBytesMax,
    encodingByField,
    lengthKindByField,
    lengthByField,
    prefixBytesByField,
    fieldSpecs,
  };
}

/** Small constructors so spec tables read like the published field lists. */
export function fixed(
  encoding: FieldEncoding,
  length: number,
  description: string,
  mask: MaskKind = 'clear',
): FieldSpec {
  return { lengthKind: 'fixed', length, encoding, description, mask };
}
export function llvar(
  encoding: FieldEncoding,
  lengthMax: number,
  description: string,
  mask: MaskKind = 'clear',
): FieldSpec {
  return { lengthKind: 'LL', length: lengthMax, encoding, description, mask };
}
export function lllvar(
  encoding: FieldEncoding,
  lengthMax: number,
  description: string,
  mask: MaskKind = 'clear',
): FieldSpec {
  return { lengthKind: 'LLL', length: lengthMax, encoding, description, mask };
}
