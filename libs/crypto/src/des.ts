/**
 * DES and 3DES in ECB mode through node:crypto. OpenSSL 3 refuses `des-ecb`, so single DES is
 * `des-ede3-ecb` with K||K||K and double-length 3DES is K1||K2||K1. ECB blocks are independent, so one
 * long-lived cipher with padding off encrypts any number of blocks through `update()` alone: a
 * `DesEcbKey` keeps one encipher and one decipher per key, which is several times faster than a new
 * createCipheriv per block (measured in des.test.ts).
 */
import { type Cipheriv, createCipheriv, createDecipheriv, type Decipheriv } from 'node:crypto';
import { assert } from '@acq/assert';
import { CryptoError } from './errors.ts';

export const DES_BLOCK_BYTES = 8;
export const SINGLE_KEY_BYTES = 8;
export const DOUBLE_KEY_BYTES = 16;
export const TRIPLE_KEY_BYTES = 24;

/** Expands an 8, 16 or 24 byte key to the 24 bytes `des-ede3-ecb` takes. */
export function expandTo3DesKey(key: Buffer): Buffer {
  if (key.length === SINGLE_KEY_BYTES) return Buffer.concat([key, key, key]);
  if (key.length === DOUBLE_KEY_BYTES) return Buffer.concat([key, key.subarray(0, SINGLE_KEY_BYTES)]);
  if (key.length === TRIPLE_KEY_BYTES) return Buffer.from(key);
  throw new CryptoError('BAD_KEY', `key of ${key.length} bytes; DES keys are 8, 16 or 24 bytes`);
}

function requireBlocks(data: Buffer): void {
  if (data.length === 0 || data.length % DES_BLOCK_BYTES !== 0) {
    throw new CryptoError('BAD_DATA_LENGTH', `data of ${data.length} bytes is not a positive multiple of 8`);
  }
}

export class DesEcbKey {
  readonly keyBytes: number;
  readonly #encipher: Cipheriv;
  readonly #decipher: Decipheriv;
  /** Long-lived CBC encipher for MACs (made only with `cbcChain`), and its last ciphertext block. */
  readonly #chain: Cipheriv | undefined;
  readonly #chainBlock = Buffer.alloc(DES_BLOCK_BYTES);

  /** `cbcChain`: also keep a CBC encipher for MAC chains (MAKs), see encryptCbc. */
  constructor(key: Buffer, options: { cbcChain?: boolean } = {}) {
    const expanded = expandTo3DesKey(key);
    this.keyBytes = key.length;
    this.#encipher = createCipheriv('des-ede3-ecb', expanded, null).setAutoPadding(false);
    this.#decipher = createDecipheriv('des-ede3-ecb', expanded, null).setAutoPadding(false);
    this.#chain =
      options.cbcChain === true
        ? createCipheriv('des-ede3-cbc', expanded, Buffer.alloc(DES_BLOCK_BYTES)).setAutoPadding(false)
        : undefined;
    expanded.fill(0);
  }

  get hasCbcChain(): boolean {
    return this.#chain !== undefined;
  }

  /**
   * CBC encryption with a zero IV of `data` (whole blocks), in one native call on the long-lived
   * CBC cipher. That cipher chains from its previous call's last ciphertext block; XORing the first
   * block with that block beforehand cancels it, so every call starts from a zero IV. A chain of n
   * blocks (a CBC MAC, or the CUP MAC's two encryptions) then costs one call instead of n. `data`
   * is used in place: its first block is changed.
   */
  encryptCbc(data: Buffer): Buffer {
    requireBlocks(data);
    const chain = this.#chain;
    assert(chain !== undefined, 'the key was made with cbcChain');
    for (let index = 0; index < DES_BLOCK_BYTES; index++) {
      data[index] = (data[index] as number) ^ (this.#chainBlock[index] as number);
    }
    const out = chain.update(data);
    assert(out.length === data.length, 'CBC without padding returns every block at once');
    out.copy(this.#chainBlock, 0, out.length - DES_BLOCK_BYTES);
    return out;
  }

  encrypt(data: Buffer): Buffer {
    requireBlocks(data);
    const out = this.#encipher.update(data);
    assert(out.length === data.length, 'ECB without padding returns every block at once');
    return out;
  }

  decrypt(data: Buffer): Buffer {
    requireBlocks(data);
    const out = this.#decipher.update(data);
    assert(out.length === data.length, 'ECB without padding returns every block at once');
    return out;
  }
}

/** 3DES-ECB with a 16 (K1 K2 K1) or 24 byte key; an 8-byte key degenerates to single DES. */
export function tripleDesEncryptEcb(key: Buffer, data: Buffer): Buffer {
  return new DesEcbKey(key).encrypt(data);
}

export function tripleDesDecryptEcb(key: Buffer, data: Buffer): Buffer {
  return new DesEcbKey(key).decrypt(data);
}

function requireSingleKey(key: Buffer): void {
  if (key.length !== SINGLE_KEY_BYTES) throw new CryptoError('BAD_KEY', `single DES key of ${key.length} bytes`);
}

export function singleDesEncryptEcb(key: Buffer, data: Buffer): Buffer {
  requireSingleKey(key);
  return new DesEcbKey(key).encrypt(data);
}

export function singleDesDecryptEcb(key: Buffer, data: Buffer): Buffer {
  requireSingleKey(key);
  return new DesEcbKey(key).decrypt(data);
}

/** CBC encryption with a zero IV, returning only the last block: the core of X9.9 / ISO 9797-1 MAC 1. */
export function cbcLastBlock(key: Buffer, paddedData: Buffer): Buffer {
  requireBlocks(paddedData);
  const cipher = createCipheriv('des-ede3-cbc', expandTo3DesKey(key), Buffer.alloc(DES_BLOCK_BYTES));
  const out = cipher.setAutoPadding(false).update(paddedData);
  assert(out.length === paddedData.length, 'CBC without padding returns every block at once');
  return out.subarray(out.length - DES_BLOCK_BYTES);
}

/** Sets odd parity on every key byte (DES ignores the parity bits, HSMs and KCV tools expect them). */
export function withOddParity(key: Buffer): Buffer {
  const out = Buffer.from(key);
  for (let index = 0; index < out.length; index++) {
    let byte = (out[index] as number) & 0xfe;
    let ones = 0;
    for (let bit = 1; bit < 8; bit++) ones += (byte >> bit) & 1;
    if (ones % 2 === 0) byte |= 1;
    out[index] = byte;
  }
  return out;
}

/** Key check value: the first `bytes` bytes of E_key(8 zero bytes); CUP field 62 uses 4. */
export function keyCheckValue(key: Buffer, bytes = 4): Buffer {
  assert(bytes >= 1 && bytes <= DES_BLOCK_BYTES, 'check value length');
  return new DesEcbKey(key).encrypt(Buffer.alloc(DES_BLOCK_BYTES)).subarray(0, bytes);
}

export function keyCheckValueOf(cipher: DesEcbKey, bytes = 4): Buffer {
  assert(bytes >= 1 && bytes <= DES_BLOCK_BYTES, 'check value length');
  return cipher.encrypt(Buffer.alloc(DES_BLOCK_BYTES)).subarray(0, bytes);
}
