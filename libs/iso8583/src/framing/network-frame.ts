/**
 * Upstream link frames between the authorization service and the card network: 2-byte big-endian
 * length + packed message, no TPDU or header. The same LengthPrefixedFrameReader splits the stream.
 */
import {
  type IndexedIsoMessage,
  type IsoMessage,
  packMessageAfter,
  unpackIndexedMessageRange,
  unpackMessageRange,
} from '../codec.ts';
import { ISO_FRAME_LENGTH_PREFIX_BYTES } from '../limits.ts';
import type { MessageSpec } from '../spec.ts';

export interface DecodedNetworkFrame {
  message: IsoMessage;
  /** MTI through the last field before the MAC field (128 on the network link). */
  macInput: Buffer;
}

export interface DecodedIndexedNetworkFrame {
  message: IndexedIsoMessage;
  macInput: Buffer;
}

/** The length prefix is written after packing; encoding is synchronous, so one buffer serves all. */
const lengthPreamble = Buffer.alloc(ISO_FRAME_LENGTH_PREFIX_BYTES);

/** Length | message in one allocation; either message form. */
export function encodeNetworkFrame(spec: MessageSpec, message: IsoMessage | IndexedIsoMessage): Buffer {
  const out = packMessageAfter(spec, lengthPreamble, message, false);
  out.writeUInt16BE(out.length - ISO_FRAME_LENGTH_PREFIX_BYTES, 0);
  return out;
}

function macInputOf(spec: MessageSpec, body: Buffer, hasMac: boolean): Buffer {
  return body.subarray(0, hasMac ? body.length - spec.macFieldBytes : body.length);
}

/** Decodes a network frame body (after the 2-byte length); sub-buffers are views of `body`. */
export function decodeNetworkFrame(spec: MessageSpec, body: Buffer): DecodedNetworkFrame {
  const message = unpackMessageRange(spec, body, 0, body.length);
  return { message, macInput: macInputOf(spec, body, message.fields.has(spec.macFieldNumber)) };
}

/** decodeNetworkFrame with the message in the indexed form (no Map per message). */
export function decodeNetworkFrameIndexed(spec: MessageSpec, body: Buffer): DecodedIndexedNetworkFrame {
  const message = unpackIndexedMessageRange(spec, body, 0, body.length);
  return { message, macInput: macInputOf(spec, body, message.fieldValues[spec.macFieldNumber] !== undefined) };
}
