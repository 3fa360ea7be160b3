/**
 * Message authentication codes used by terminals and networks. Every algorithm pads the data with
 * 0x00 bytes to a multiple of 8 (ISO 9797-1 padding method 1; data that is already aligned gets no
 * extra block; empty data is one zero block).
 */
import { assert } from '@acq/assert';
import { cbcLastBlock, DES_BLOCK_BYTES, DesEcbKey, DOUBLE_KEY_BYTES, SINGLE_KEY_BYTES } from './des.ts';
import { CryptoError } from './errors.ts';

export const CUP_MAC_BYTES = 8;

export function zeroPadToBlock(data: Buffer): Buffer {
  const remainder = data.length % DES_BLOCK_BYTES;
  if (data.length > 0 && remainder === 0) return data;
  const out = Buffer.alloc(data.length + DES_BLOCK_BYTES - remainder);
  data.copy(out);
  return out;
}

function xorInto(target: Buffer, source: Buffer): void {
  assert(target.length === source.length, 'xor operands have the same length');
  for (let index = 0; index < target.length; index++)
    target[index] = (target[index] as number) ^ (source[index] as number);
}

/** XOR of all 8-byte blocks of the zero-padded data (padding with zeros does not change a XOR). */
function xorOfBlocks(data: Buffer): Buffer {
  const folded = Buffer.alloc(DES_BLOCK_BYTES);
  for (let index = 0; index < data.length; index++) {
    folded[index & 7] = (folded[index & 7] as number) ^ (data[index] as number);
  }
  return folded;
}

function upperHexAscii(bytes: Buffer, start: number, end: number): Buffer {
  return Buffer.from(bytes.toString('hex', start, end).toUpperCase(), 'latin1');
}

/**
 * CUP POS "ECB" MAC (DESIGN.md section 4): XOR all blocks of the MAB, expand the 8-byte result to 16
 * upper-case hex characters, encrypt the first 8 with the MAK, XOR with the last 8, encrypt again and
 * return the first 8 upper-case hex characters of that as ASCII bytes (the value of field 64).
 */
export function cupEcbMac(mak: Buffer | DesEcbKey, mab: Buffer): Buffer {
  const key = mak instanceof DesEcbKey ? mak : new DesEcbKey(mak);
  const expanded = upperHexAscii(xorOfBlocks(mab), 0, DES_BLOCK_BYTES);
  const first = key.encrypt(expanded.subarray(0, DES_BLOCK_BYTES));
  xorInto(first, expanded.subarray(DES_BLOCK_BYTES));
  const second = key.encrypt(first);
  const mac = upperHexAscii(second, 0, DES_BLOCK_BYTES / 2);
  assert(mac.length === CUP_MAC_BYTES, 'CUP MAC is 8 ASCII characters');
  return mac;
}

/**
 * ANSI X9.9 (ISO 9797-1 MAC algorithm 1): the last block of CBC encryption with a zero IV. Single DES
 * with an 8-byte key; an 16-byte key runs the same chain with 3DES. Returns the full 8-byte block;
 * X9.9 transmits its left 4 bytes.
 */
export function x99Mac(key: Buffer, data: Buffer): Buffer {
  if (key.length !== SINGLE_KEY_BYTES && key.length !== DOUBLE_KEY_BYTES) {
    throw new CryptoError('BAD_KEY', `X9.9 key of ${key.length} bytes`);
  }
  return cbcLastBlock(key, zeroPadToBlock(data));
}

/**
 * ANSI X9.19 retail MAC (ISO 9797-1 MAC algorithm 3): single-DES CBC with the left key half, then
 * decrypt with the right half and encrypt with the left half. Returns the 8-byte block.
 */
export function x919Mac(key: Buffer, data: Buffer): Buffer {
  if (key.length !== DOUBLE_KEY_BYTES) throw new CryptoError('BAD_KEY', `X9.19 key of ${key.length} bytes`);
  const left = key.subarray(0, SINGLE_KEY_BYTES);
  const right = key.subarray(SINGLE_KEY_BYTES);
  const chained = cbcLastBlock(left, zeroPadToBlock(data));
  return new DesEcbKey(left).encrypt(new DesEcbKey(right).decrypt(chained));
}
