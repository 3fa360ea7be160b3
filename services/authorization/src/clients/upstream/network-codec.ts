/**
 * The connector's view of the wire: `@acq/iso8583` network frames (2-byte length + message packed
 * with the network spec, no TPDU). Kept behind a small interface so the connection code does not
 * depend on which spec table is in use.
 */
import { decodeNetworkFrame, encodeNetworkFrame, LengthPrefixedFrameReader, type MessageSpec } from '@acq/iso8583';
import { assert } from '@acq/assert';
import type { NetworkMessage } from './network-message.ts';

export interface NetworkCodec {
  /** Packs a message into a complete frame (length prefix included); throws IsoCodecError. */
  encodeFrame(message: NetworkMessage): Buffer;
  /** Unpacks one frame body; throws IsoCodecError on garbage. */
  decode(body: Buffer): NetworkMessage;
  /** A fresh stream splitter per connection; throws IsoCodecError on an impossible length. */
  createFrameReader(): { push(chunk: Buffer): Buffer[] };
}

export function createNetworkCodec(spec: MessageSpec, frameBytesMax: number): NetworkCodec {
  assert(frameBytesMax > 0, 'frame bound is positive');
  return {
    encodeFrame: (message) => encodeNetworkFrame(spec, message),
    decode: (body) => decodeNetworkFrame(spec, body).message,
    createFrameReader: () => new LengthPrefixedFrameReader(frameBytesMax),
  };
}
