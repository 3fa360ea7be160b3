/**
 * Codec errors are operating errors (bad input from a terminal or the network), so they are thrown
 * as one typed class with a stable code, the field number and the byte offset. The message is built
 * only from those numbers and lengths: it never carries field content, so it is safe to log.
 */
export const ISO_CODEC_ERROR_CODES = [
  'TRUNCATED',
  'LENGTH_EXCEEDS_MAX',
  'BAD_LENGTH',
  'BAD_BCD',
  'BAD_CHARACTER',
  'BAD_VALUE_TYPE',
  'BAD_MTI',
  'UNKNOWN_FIELD',
  'TRAILING_BYTES',
  'FRAME_TOO_LARGE',
  'EMPTY_FRAME',
  'BAD_SUBFIELD',
  'BAD_TLV',
] as const;

export type IsoCodecErrorCode = (typeof ISO_CODEC_ERROR_CODES)[number];

/** Field number used in errors that concern the frame or MTI rather than a data element. */
export const NO_FIELD = 0;

export class IsoCodecError extends Error {
  override readonly name = 'IsoCodecError';
  readonly code: IsoCodecErrorCode;
  /** Data element number, or NO_FIELD (0) for frame, MTI and bitmap level errors. */
  readonly fieldNumber: number;
  /** Byte offset in the decoded buffer (or in the value being encoded) where the problem sits. */
  readonly offset: number;

  constructor(code: IsoCodecErrorCode, fieldNumber: number, offset: number, detail: string) {
    const where = fieldNumber === NO_FIELD ? `offset ${offset}` : `field ${fieldNumber} at offset ${offset}`;
    super(`${code}: ${detail} (${where})`);
    this.code = code;
    this.fieldNumber = fieldNumber;
    this.offset = offset;
  }
}

export function isIsoCodecError(error: unknown): error is IsoCodecError {
  return error instanceof IsoCodecError;
}
