/**
 * Terminal frames: 2-byte length | TPDU (5) | header (6) | MTI | bitmap | fields. The MAC input of a
 * frame is the bytes from the MTI through the last field before the MAC field, which is always the
 * last field, so it is the message without its final fixed-length MAC bytes.
 */
import { assert } from '@acq/assert';
import {
  type IndexedIsoMessage,
  type IsoMessage,
  packMessageAfter,
  unpackIndexedMessageRange,
  unpackMessageRange,
} from '../codec.ts';
import { IsoCodecError, NO_FIELD } from '../errors.ts';
import { ISO_FRAME_LENGTH_PREFIX_BYTES } from '../limits.ts';
import type { MessageSpec } from '../spec.ts';
import { withLengthPrefix } from './frame-reader.ts';
import { TERMINAL_HEADER_BYTES } from './terminal-header.ts';

export const TPDU_BYTES = 5;
export const TPDU_ID = 0x60;
/** Bytes of a frame body before the MTI. */
export const TERMINAL_PREAMBLE_BYTES = TPDU_BYTES + TERMINAL_HEADER_BYTES;

export interface TerminalFrame {
  tpdu: Buffer;
  header: Buffer;
  message: IsoMessage;
}

/** A frame to encode whose message is in the indexed form (what the gateway answers with). */
export interface IndexedTerminalFrame {
  tpdu: Buffer;
  header: Buffer;
  message: IndexedIsoMessage;
}

export interface DecodedTerminalFrame extends TerminalFrame {
  /** MTI through the last field before the MAC field: the MAC block of the CUP ECB algorithm. */
  macInput: Buffer;
}

/** Length, TPDU and header of the frame being encoded; encoding is synchronous, so one serves all. */
const framePreamble = Buffer.alloc(ISO_FRAME_LENGTH_PREFIX_BYTES + TERMINAL_PREAMBLE_BYTES);

function encodeFrame(spec: MessageSpec, frame: TerminalFrame | IndexedTerminalFrame, macZeros: boolean): Buffer {
  assert(frame.tpdu.length === TPDU_BYTES, 'TPDU is 5 bytes');
  assert(frame.header.length === TERMINAL_HEADER_BYTES, 'header is 6 bytes');
  // Eleven bytes: a JavaScript loop costs less than two native copies.
  for (let index = 0; index < TPDU_BYTES; index++) {
    framePreamble[ISO_FRAME_LENGTH_PREFIX_BYTES + index] = frame.tpdu[index] as number;
  }
  for (let index = 0; index < TERMINAL_HEADER_BYTES; index++) {
    framePreamble[ISO_FRAME_LENGTH_PREFIX_BYTES + TPDU_BYTES + index] = frame.header[index] as number;
  }
  const out = packMessageAfter(spec, framePreamble, frame.message, macZeros);
  out.writeUInt16BE(out.length - ISO_FRAME_LENGTH_PREFIX_BYTES, 0);
  return out;
}

/** Length | TPDU | header | message, in one allocation; either message form. */
export function encodeTerminalFrame(spec: MessageSpec, frame: TerminalFrame | IndexedTerminalFrame): Buffer {
  return encodeFrame(spec, frame, false);
}

/**
 * Encodes a frame whose MAC field is computed over the frame's own MAC input: the MAC field is
 * packed as zeros (whatever the message holds), `computeMac` sees the exact bytes the terminal will
 * check, and its result is written in place.
 */
export function encodeTerminalFrameWithMac(
  spec: MessageSpec,
  frame: TerminalFrame | IndexedTerminalFrame,
  computeMac: (macInput: Buffer) => Buffer,
): Buffer {
  const out = encodeFrame(spec, frame, true);
  const macStart = out.length - spec.macFieldBytes;
  const mac = computeMac(out.subarray(ISO_FRAME_LENGTH_PREFIX_BYTES + TERMINAL_PREAMBLE_BYTES, macStart));
  assert(mac.length === spec.macFieldBytes, 'MAC has the MAC field length');
  mac.copy(out, macStart);
  return out;
}

function checkPreamble(body: Buffer): void {
  if (body.length < TERMINAL_PREAMBLE_BYTES) {
    throw new IsoCodecError('TRUNCATED', NO_FIELD, body.length, 'TPDU and header');
  }
}

/** TPDU, header and MAC input views of a decoded body, around whichever message form was decoded. */
function frameParts<Message>(spec: MessageSpec, body: Buffer, message: Message, hasMac: boolean) {
  const macEnd = hasMac ? body.length - spec.macFieldBytes : body.length;
  assert(macEnd >= TERMINAL_PREAMBLE_BYTES, 'the MAC field lies inside the message');
  return {
    tpdu: body.subarray(0, TPDU_BYTES),
    header: body.subarray(TPDU_BYTES, TERMINAL_PREAMBLE_BYTES),
    message,
    macInput: body.subarray(TERMINAL_PREAMBLE_BYTES, macEnd),
  };
}

/** Decodes a frame body (the bytes after the 2-byte length). Sub-buffers are views of `body`. */
export function decodeTerminalFrame(spec: MessageSpec, body: Buffer): DecodedTerminalFrame {
  checkPreamble(body);
  const message = unpackMessageRange(spec, body, TERMINAL_PREAMBLE_BYTES, body.length);
  return frameParts(spec, body, message, message.fields.has(spec.macFieldNumber));
}

export interface DecodedIndexedTerminalFrame {
  tpdu: Buffer;
  header: Buffer;
  message: IndexedIsoMessage;
  macInput: Buffer;
}

/** decodeTerminalFrame with the message in the indexed form (no Map): the gateway's hot path. */
export function decodeTerminalFrameIndexed(spec: MessageSpec, body: Buffer): DecodedIndexedTerminalFrame {
  checkPreamble(body);
  const message = unpackIndexedMessageRange(spec, body, TERMINAL_PREAMBLE_BYTES, body.length);
  return frameParts(spec, body, message, message.fieldValues[spec.macFieldNumber] !== undefined);
}

/** Response TPDU: same ID, destination and source addresses swapped. */
export function swapTpdu(tpdu: Buffer): Buffer {
  assert(tpdu.length === TPDU_BYTES, 'TPDU is 5 bytes');
  const out = Buffer.allocUnsafe(TPDU_BYTES);
  out[0] = tpdu[0] as number;
  tpdu.copy(out, 1, 3, 5);
  tpdu.copy(out, 3, 1, 3);
  return out;
}

/** Decodes a whole frame including its 2-byte length, checking the length matches. */
export function decodeTerminalFrameWithLength(spec: MessageSpec, frame: Buffer): DecodedTerminalFrame {
  if (frame.length < ISO_FRAME_LENGTH_PREFIX_BYTES) throw new IsoCodecError('TRUNCATED', NO_FIELD, 0, 'length');
  const bodyBytes = frame.readUInt16BE(0);
  const available = frame.length - ISO_FRAME_LENGTH_PREFIX_BYTES;
  if (bodyBytes > available) throw new IsoCodecError('TRUNCATED', NO_FIELD, frame.length, `length says ${bodyBytes}`);
  if (bodyBytes < available) {
    throw new IsoCodecError('TRAILING_BYTES', NO_FIELD, ISO_FRAME_LENGTH_PREFIX_BYTES + bodyBytes, 'after frame');
  }
  return decodeTerminalFrame(spec, frame.subarray(ISO_FRAME_LENGTH_PREFIX_BYTES));
}

export { withLengthPrefix };
