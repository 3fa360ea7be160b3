/**
 * BER-TLV for field 55 (EMV data). The codec passes field 55 through as bytes, untouched; this is
 * the view for code that needs individual tags. Parsing is a loop with an explicit stack of
 * container ends (no recursion), bounded in depth and item count, and every length is checked
 * against the enclosing container before anything is read.
 */
import { IsoCodecError } from './errors.ts';
import { TLV_DEPTH_MAX, TLV_ITEMS_MAX, TLV_TAG_BYTES_MAX } from './limits.ts';

const FIELD_55 = 55;
const LENGTH_BYTES_MAX = 2;

export interface TlvItem {
  /** Tag as upper-case hex, e.g. '9F26'. */
  tag: string;
  /** The value bytes (a view of the input); for a constructed tag, its encoded children. */
  value: Buffer;
  constructed: boolean;
  /** 0 for top-level items, 1 for children of a constructed item, ... */
  depth: number;
  /** Offset of the tag's first byte in the parsed buffer. */
  offset: number;
}

export interface TlvInput {
  tag: string;
  value: Buffer;
}

function tlvError(offset: number, detail: string): IsoCodecError {
  return new IsoCodecError('BAD_TLV', FIELD_55, offset, detail);
}

/** Returns the end offset of the tag starting at `start`. */
function readTagEnd(bytes: Buffer, start: number, end: number): number {
  let offset = start + 1;
  if (((bytes[start] as number) & 0x1f) !== 0x1f) return offset;
  while (true) {
    if (offset >= end) throw tlvError(start, 'truncated tag');
    const byte = bytes[offset] as number;
    offset++;
    if (offset - start > TLV_TAG_BYTES_MAX) throw tlvError(start, 'tag too long');
    if ((byte & 0x80) === 0) return offset;
  }
}

/** Parses every item in document order (parents before their children). */
export function parseTlv(bytes: Buffer): TlvItem[] {
  const items: TlvItem[] = [];
  const containerEnds: number[] = [bytes.length];
  let offset = 0;
  while (offset < bytes.length) {
    while (containerEnds.length > 1 && offset === containerEnds[containerEnds.length - 1]) containerEnds.pop();
    const end = containerEnds[containerEnds.length - 1] as number;
    const tagEnd = readTagEnd(bytes, offset, end);
    if (tagEnd >= end) throw tlvError(offset, 'truncated length');
    const first = bytes[tagEnd] as number;
    let length = first;
    let valueStart = tagEnd + 1;
    if (first >= 0x80) {
      const lengthBytes = first & 0x7f;
      if (lengthBytes === 0 || lengthBytes > LENGTH_BYTES_MAX) throw tlvError(tagEnd, 'unsupported length form');
      if (valueStart + lengthBytes > end) throw tlvError(tagEnd, 'truncated length');
      length = bytes.readUIntBE(valueStart, lengthBytes);
      valueStart += lengthBytes;
    }
    const valueEnd = valueStart + length;
    if (valueEnd > end) throw tlvError(offset, `value of ${length} bytes overruns its container`);
    const constructed = ((bytes[offset] as number) & 0x20) !== 0;
    const depth = containerEnds.length - 1;
    items.push({
      tag: bytes.toString('hex', offset, tagEnd).toUpperCase(),
      value: bytes.subarray(valueStart, valueEnd),
      constructed,
      depth,
      offset,
    });
    if (items.length > TLV_ITEMS_MAX) throw tlvError(offset, 'too many items');
    if (constructed) {
      if (depth + 1 > TLV_DEPTH_MAX) throw tlvError(offset, 'nested too deep');
      containerEnds.push(valueEnd);
      offset = valueStart;
    } else {
      offset = valueEnd;
    }
  }
  return items;
}

/** Top-level items only: the usual view of field 55, where EMV tags are a flat list. */
export function parseTlvTopLevel(bytes: Buffer): TlvItem[] {
  return parseTlv(bytes).filter((item) => item.depth === 0);
}

function tagBytes(tag: string, index: number): Buffer {
  const valid = /^(?:[0-9A-F]{2}){1,3}$/.test(tag);
  if (!valid) throw tlvError(index, 'tag must be 1-3 bytes of upper-case hex');
  const bytes = Buffer.from(tag, 'hex');
  // The tag must be self-delimiting: multi-byte only when the first byte says so, last byte ends it.
  const multiByte = ((bytes[0] as number) & 0x1f) === 0x1f;
  const continuationOk = bytes.subarray(1, -1).every((byte) => (byte & 0x80) !== 0);
  const lastOk = bytes.length === 1 || ((bytes[bytes.length - 1] as number) & 0x80) === 0;
  if (multiByte !== bytes.length > 1 || !continuationOk || !lastOk) throw tlvError(index, 'malformed BER tag');
  return bytes;
}

function lengthBytes(length: number, index: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length <= 0xff) return Buffer.from([0x81, length]);
  if (length <= 0xffff) return Buffer.from([0x82, length >> 8, length & 0xff]);
  throw tlvError(index, 'value too long');
}

/** Encodes items in the given order with minimal (DER) lengths. */
export function buildTlv(items: readonly TlvInput[]): Buffer {
  if (items.length > TLV_ITEMS_MAX) throw tlvError(0, 'too many items');
  const parts: Buffer[] = [];
  items.forEach((item, index) => {
    parts.push(tagBytes(item.tag, index), lengthBytes(item.value.length, index), item.value);
  });
  return Buffer.concat(parts);
}
