/**
 * Message authentication codes used by terminals and networks. Every algorithm pads the data with
 * 0x00 bytes to a multiple of 8 (ISO 9797-1 padding method 1; data that is already aligned gets no
 * extra block; empty data is one zero block).
 */
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

/**
 * The CUP MAC's XOR of the MAB's blocks and its hex expansion: computed synchronously, so one pair of
 * buffers serves every call (they hold only a digest of the MAB, no key material).
 */
const MAC_FOLDED = Buffer.alloc(DES_BLOCK_BYTES);
const MAC_EXPANDED = Buffer.alloc(2 * DES_BLOCK_BYTES);

/** Upper-case hex digits as ASCII codes, for the CUP MAC's text expansion. */
const UPPER_HEX_CODES = Buffer.from('0123456789ABCDEF', 'latin1');

/** Writes `bytes[start, end)` as upper-case hex ASCII into `out` at `offset`. */
function writeUpperHexAscii(bytes: Buffer, start: number, end: number, out: Buffer, offset: number): void {
  for (let index = start; index < end; index++) {
    const byte = bytes[index] as number;
    out[offset + 2 * (index - start)] = UPPER_HEX_CODES[byte >> 4] as number;
    out[offset + 2 * (index - start) + 1] = UPPER_HEX_CODES[byte & 0x0f] as number;
  }
}

/**
 * CUP POS "ECB" MAC (DESIGN.md section 4): XOR all blocks of the MAB, expand the 8-byte result to 16
 * upper-case hex characters, encrypt the first 8 with the MAK, XOR with the last 8, encrypt again and
 * return the first 8 upper-case hex characters of that as ASCII bytes (the value of field 64). The
 * encrypt-XOR-encrypt is exactly CBC with a zero IV over the 16 characters, so it runs as one call
 * on the key's CBC chain and the MAC is the hex of the second block's first half.
 */
export function cupEcbMac(mak: Buffer | DesEcbKey, mab: Buffer): Buffer {
  const key = mak instanceof DesEcbKey ? mak : new DesEcbKey(mak, { cbcChain: true });
  const folded = MAC_FOLDED;
  folded.fill(0);
  // XOR of all 8-byte blocks (padding the MAB with zeros would not change it).
  for (let index = 0; index < mab.length; index++) {
    folded[index & 7] = (folded[index & 7] as number) ^ (mab[index] as number);
  }
  writeUpperHexAscii(folded, 0, DES_BLOCK_BYTES, MAC_EXPANDED, 0);
  const chained = key.encryptCbc(MAC_EXPANDED);
  const mac = Buffer.allocUnsafe(CUP_MAC_BYTES);
  writeUpperHexAscii(chained, DES_BLOCK_BYTES, DES_BLOCK_BYTES + CUP_MAC_BYTES / 2, mac, 0);
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
