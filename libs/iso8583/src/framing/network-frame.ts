/**
 * Upstream link frames between the authorization service and the card network: 2-byte big-endian
 * length + packed message, no TPDU or header. The same LengthPrefixedFrameReader splits the stream.
 */
import { type IsoMessage, packMessage, unpackMessageRange } from '../codec.ts';
import type { MessageSpec } from '../spec.ts';
import { withLengthPrefix } from './frame-reader.ts';

export interface DecodedNetworkFrame {
  message: IsoMessage;
  /** MTI through the last field before the MAC field (128 on the network link). */
  macInput: Buffer;
}

export function encodeNetworkFrame(spec: MessageSpec, message: IsoMessage): Buffer {
  return withLengthPrefix(packMessage(spec, message));
}

/** Decodes a network frame body (after the 2-byte length); sub-buffers are views of `body`. */
export function decodeNetworkFrame(spec: MessageSpec, body: Buffer): DecodedNetworkFrame {
  const message = unpackMessageRange(spec, body, 0, body.length);
  const macEnd = message.fields.has(spec.macFieldNumber) ? body.length - spec.macFieldBytes : body.length;
  return { message, macInput: body.subarray(0, macEnd) };
}
