/**
 * Splits a TCP byte stream into frame bodies announced by a 2-byte big-endian length. A length past
 * the configured maximum is refused as soon as the two length bytes arrive, before any body bytes
 * are buffered, so a peer cannot make the reader hold more than one maximum-size frame.
 */
import { assert } from '@acq/assert';
import { IsoCodecError, NO_FIELD } from '../errors.ts';
import { ISO_FRAME_BYTES_MAX, ISO_FRAME_LENGTH_PREFIX_BYTES, ISO_FRAME_LENGTH_PREFIX_VALUE_MAX } from '../limits.ts';

/** The pending tail when nothing is pending: one shared empty buffer, not one per chunk. */
const NOTHING_PENDING = Buffer.alloc(0);

export class LengthPrefixedFrameReader {
  readonly frameBytesMax: number;
  #pending: Buffer = NOTHING_PENDING;
  /** Bytes consumed from the start of the stream, for error offsets. */
  #streamOffset = 0;

  constructor(frameBytesMax: number = ISO_FRAME_BYTES_MAX) {
    assert(Number.isInteger(frameBytesMax) && frameBytesMax > 0, 'frameBytesMax must be a positive integer');
    assert(frameBytesMax <= ISO_FRAME_LENGTH_PREFIX_VALUE_MAX, 'frameBytesMax must fit the 2-byte prefix');
    this.frameBytesMax = frameBytesMax;
  }

  /** Bytes received but not yet returned as a complete frame. */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  /**
   * Appends a chunk and returns every frame body it completes (without the length prefix). Bodies
   * are views of the received chunks or of a fresh copy, never of a buffer the reader reuses.
   */
  push(chunk: Buffer): Buffer[] {
    let buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const bodies: Buffer[] = [];
    let offset = 0;
    while (buffer.length - offset >= ISO_FRAME_LENGTH_PREFIX_BYTES) {
      const bodyBytes = buffer.readUInt16BE(offset);
      if (bodyBytes === 0) {
        throw new IsoCodecError('EMPTY_FRAME', NO_FIELD, this.#streamOffset + offset, 'zero-length frame');
      }
      if (bodyBytes > this.frameBytesMax) {
        throw new IsoCodecError(
          'FRAME_TOO_LARGE',
          NO_FIELD,
          this.#streamOffset + offset,
          `frame of ${bodyBytes} bytes`,
        );
      }
      const frameEnd = offset + ISO_FRAME_LENGTH_PREFIX_BYTES + bodyBytes;
      if (frameEnd > buffer.length) break;
      bodies.push(buffer.subarray(offset + ISO_FRAME_LENGTH_PREFIX_BYTES, frameEnd));
      offset = frameEnd;
    }
    this.#streamOffset += offset;
    // Keep only the incomplete tail; copy it so the caller's chunk can be released.
    buffer = buffer.subarray(offset);
    this.#pending = buffer.length === 0 ? NOTHING_PENDING : Buffer.from(buffer);
    assert(this.#pending.length < ISO_FRAME_LENGTH_PREFIX_BYTES + this.frameBytesMax, 'pending bound');
    return bodies;
  }
}

/** Prepends the 2-byte big-endian length to a body. */
export function withLengthPrefix(body: Buffer): Buffer {
  if (body.length > ISO_FRAME_BYTES_MAX) {
    throw new IsoCodecError('FRAME_TOO_LARGE', NO_FIELD, 0, `frame of ${body.length} bytes`);
  }
  const frame = Buffer.allocUnsafe(ISO_FRAME_LENGTH_PREFIX_BYTES + body.length);
  frame.writeUInt16BE(body.length, 0);
  body.copy(frame, ISO_FRAME_LENGTH_PREFIX_BYTES);
  return frame;
}
