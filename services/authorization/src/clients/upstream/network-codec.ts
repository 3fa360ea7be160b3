/**
 * The connector's view of the wire: `@acq/iso8583` network frames (2-byte length + message packed
 * with the network spec, no TPDU). Kept behind a small interface so the connection code does not
 * depend on which spec table is in use. With a `NetworkMac`, every outgoing message carries the MAC
 * field (128) and every incoming one is checked; the key stays inside the HSM.
 */
import { assert } from '@acq/assert';
import type { Hsm } from '@acq/crypto';
import { decodeNetworkFrame, encodeNetworkFrame, LengthPrefixedFrameReader, type MessageSpec } from '@acq/iso8583';
import type { NetworkMessage } from './network-message.ts';

/** MAC over the bytes from the MTI to the last field before the MAC field. */
export interface NetworkMac {
  generate(macInput: Buffer): Buffer;
  verify(macInput: Buffer, mac: Buffer): boolean;
}

/** The network link's MAC with a MAK held under the HSM's master key. */
export function networkMacFromHsm(hsm: Pick<Hsm, 'generateMac' | 'verifyMac'>, makUnderMasterKey: string): NetworkMac {
  assert(makUnderMasterKey.length > 0, 'the network MAK is configured');
  return {
    generate: (macInput) => hsm.generateMac(makUnderMasterKey, macInput),
    verify: (macInput, mac) => hsm.verifyMac(makUnderMasterKey, macInput, mac),
  };
}

export interface DecodedMessage {
  message: NetworkMessage;
  /** False when a MAC is required and missing or wrong: the message must not be acted on. */
  authentic: boolean;
}

export interface NetworkCodec {
  /** Packs a message into a complete frame (length prefix included); throws IsoCodecError. */
  encodeFrame(message: NetworkMessage): Buffer;
  /** Unpacks one frame body; throws IsoCodecError on garbage. */
  decode(body: Buffer): DecodedMessage;
  /** A fresh stream splitter per connection; throws IsoCodecError on an impossible length. */
  createFrameReader(): { push(chunk: Buffer): Buffer[] };
}

const LENGTH_PREFIX_BYTES = 2;

export function createNetworkCodec(spec: MessageSpec, frameBytesMax: number, mac?: NetworkMac): NetworkCodec {
  assert(frameBytesMax > 0, 'frame bound is positive');
  if (mac === undefined) {
    return {
      encodeFrame: (message) => encodeNetworkFrame(spec, message),
      decode: (body) => ({ message: decodeNetworkFrame(spec, body).message, authentic: true }),
      createFrameReader: () => new LengthPrefixedFrameReader(frameBytesMax),
    };
  }
  const macBytes = spec.macFieldBytes;
  return {
    encodeFrame(message) {
      // The MAC field is last and fixed-length: pack with a placeholder, then overwrite it in place.
      message.fields.set(spec.macFieldNumber, Buffer.alloc(macBytes));
      const frame = encodeNetworkFrame(spec, message);
      const value = mac.generate(frame.subarray(LENGTH_PREFIX_BYTES, frame.length - macBytes));
      assert(value.length === macBytes, 'the MAC fills its field');
      value.copy(frame, frame.length - macBytes);
      message.fields.set(spec.macFieldNumber, value);
      return frame;
    },
    decode(body) {
      const { message, macInput } = decodeNetworkFrame(spec, body);
      const received = message.fields.get(spec.macFieldNumber);
      const authentic = Buffer.isBuffer(received) && mac.verify(macInput, received);
      return { message, authentic };
    },
    createFrameReader: () => new LengthPrefixedFrameReader(frameBytesMax),
  };
}
