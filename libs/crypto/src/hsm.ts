/**
 * The HSM interface the platform codes against, and a software implementation. Keys exist outside
 * the HSM only as hex blobs encrypted under the local master key; each key usage has its own
 * master-key variant (as in payment HSMs' LMK variants), so a PIN key blob cannot be used as a MAC key
 * or exported as a TMK. The only clear key that leaves is the TMK at terminal activation, which the
 * protocol demands. A hardware HSM can replace SoftwareHsm behind the same interface.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { assert } from '@acq/assert';
import { buildSignInKeys62, MAC_KEY_BYTES, type SignInKeyMode, type SignInKeys62 } from '@acq/iso8583';
import {
  DES_BLOCK_BYTES,
  DesEcbKey,
  DOUBLE_KEY_BYTES,
  keyCheckValueOf,
  SINGLE_KEY_BYTES,
  withOddParity,
} from './des.ts';
import { CryptoError } from './errors.ts';
import { CUP_MAC_BYTES, cupEcbMac } from './mac.ts';
import { clearPinFromBlock, pinBlockFormat0 } from './pin-block.ts';
import { decryptTrackWithKey, encryptTrackWithKey } from './track.ts';

export type KeyUsage = 'TMK' | 'PIK' | 'MAK' | 'TDK' | 'ZPK';

/** Bytes of the master-key variant XORed into the first key byte, one per usage. */
const USAGE_VARIANT: Readonly<Record<KeyUsage, number>> = { TMK: 0x08, PIK: 0x10, MAK: 0x20, TDK: 0x40, ZPK: 0x80 };

/** Decrypted working keys kept in memory so the hot path does not decrypt a blob per message. */
export const HSM_KEY_CACHE_ENTRIES_MAX = 20_000;
export const MASTER_KEY_HEX_LENGTHS = [32, 48] as const;
export const KEY_CHECK_VALUE_BYTES = 4;

export interface GeneratedTerminalMasterKey {
  tmkUnderMasterKey: string;
  /** Delivered once to the terminal at activation (the protocol demands a clear TMK there). */
  tmkClearForDelivery: string;
  kcv: string;
}

export interface ImportedKey {
  keyUnderMasterKey: string;
  kcv: string;
}

export interface GeneratedWorkingKeys {
  /** The sign-in response's field 62 (keys under the TMK with check values). */
  field62: Buffer;
  pikUnderMasterKey: string;
  makUnderMasterKey: string;
  tdkUnderMasterKey?: string;
}

export interface Hsm {
  generateTerminalMasterKey(): GeneratedTerminalMasterKey;
  importKey(clearHex: string, usage?: KeyUsage): ImportedKey;
  generateWorkingKeys(tmkUnderMasterKey: string, mode: SignInKeyMode): GeneratedWorkingKeys;
  generateMac(makUnderMasterKey: string, mab: Buffer): Buffer;
  verifyMac(makUnderMasterKey: string, mab: Buffer, mac: Buffer): boolean;
  translatePinBlock(pikUnderMasterKey: string, pinBlock: Buffer, pan: string, zpkUnderMasterKey: string): Buffer;
  verifyPin(zpkUnderMasterKey: string, pinBlock: Buffer, pan: string, expectedPin: string): boolean;
  encryptTrackData(tdkUnderMasterKey: string, track: string): string;
  decryptTrackData(tdkUnderMasterKey: string, track: string): string;
}

function parseKeyHex(hex: string, what: string, code: 'BAD_KEY' | 'BAD_KEY_BLOB' = 'BAD_KEY'): Buffer {
  const valid =
    typeof hex === 'string' &&
    /^[0-9A-Fa-f]*$/.test(hex) &&
    (hex.length === 16 || hex.length === 32 || hex.length === 48);
  if (!valid) throw new CryptoError(code, `${what} must be 16, 32 or 48 hex digits`);
  return Buffer.from(hex, 'hex');
}

interface CachedKey {
  cipher: DesEcbKey;
  /** Set by a hit since the entry was last passed over for eviction. */
  referenced: boolean;
}

export class SoftwareHsm implements Hsm {
  readonly #variantCiphers: ReadonlyMap<KeyUsage, DesEcbKey>;
  /**
   * Ciphers of the keys in use, one insertion-ordered map per usage (so a look-up builds no key
   * string). Eviction is second chance: a hit only sets a flag (no map writes on the hot path);
   * when full, flagged entries at the old end are moved to the new end with the flag cleared, and
   * the first unflagged one is evicted, so keys in use stay cached.
   */
  readonly #keyCache = new Map<KeyUsage, Map<string, CachedKey>>();
  #cachedKeys = 0;
  readonly #keyCacheEntriesMax: number;

  constructor(options: { masterKeyHex: string; keyCacheEntriesMax?: number }) {
    const masterKey = parseKeyHex(options.masterKeyHex, 'master key');
    if (masterKey.length === SINGLE_KEY_BYTES)
      throw new CryptoError('BAD_KEY', 'master key must be double or triple length');
    const cacheMax = options.keyCacheEntriesMax ?? HSM_KEY_CACHE_ENTRIES_MAX;
    assert(Number.isInteger(cacheMax) && cacheMax > 0 && cacheMax <= HSM_KEY_CACHE_ENTRIES_MAX, 'key cache bound');
    this.#keyCacheEntriesMax = cacheMax;
    const variants = new Map<KeyUsage, DesEcbKey>();
    for (const [usage, variant] of Object.entries(USAGE_VARIANT) as Array<[KeyUsage, number]>) {
      const variantKey = Buffer.from(masterKey);
      variantKey[0] = (variantKey[0] as number) ^ variant;
      variants.set(usage, new DesEcbKey(variantKey));
      variantKey.fill(0);
    }
    masterKey.fill(0);
    this.#variantCiphers = variants;
  }

  generateTerminalMasterKey(): GeneratedTerminalMasterKey {
    const tmk = withOddParity(randomBytes(DOUBLE_KEY_BYTES));
    const generated = {
      tmkUnderMasterKey: this.#wrap(tmk, 'TMK'),
      tmkClearForDelivery: tmk.toString('hex').toUpperCase(),
      kcv: keyCheckValueOf(new DesEcbKey(tmk), KEY_CHECK_VALUE_BYTES).toString('hex').toUpperCase(),
    };
    tmk.fill(0);
    return generated;
  }

  /** Wraps a clear key (e.g. a network ZPK from a key ceremony) under the master key. */
  importKey(clearHex: string, usage: KeyUsage = 'ZPK'): ImportedKey {
    const key = parseKeyHex(clearHex, 'key');
    const imported = {
      keyUnderMasterKey: this.#wrap(key, usage),
      kcv: keyCheckValueOf(new DesEcbKey(key), KEY_CHECK_VALUE_BYTES).toString('hex').toUpperCase(),
    };
    key.fill(0);
    return imported;
  }

  /** Check value of a wrapped key, for comparing with a partner's KCV without exposing the key. */
  keyCheckValue(keyUnderMasterKey: string, usage: KeyUsage): string {
    return keyCheckValueOf(this.#cipherFor(keyUnderMasterKey, usage), KEY_CHECK_VALUE_BYTES)
      .toString('hex')
      .toUpperCase();
  }

  generateWorkingKeys(tmkUnderMasterKey: string, mode: SignInKeyMode): GeneratedWorkingKeys {
    const tmk = this.#cipherFor(tmkUnderMasterKey, 'TMK');
    const pinKeyBytes = mode === '001' ? SINGLE_KEY_BYTES : DOUBLE_KEY_BYTES;
    const pik = withOddParity(randomBytes(pinKeyBytes));
    const mak = withOddParity(randomBytes(MAC_KEY_BYTES));
    const keys: SignInKeys62 = {
      pinKeyUnderTmk: tmk.encrypt(pik),
      pinKeyCheckValue: keyCheckValueOf(new DesEcbKey(pik), KEY_CHECK_VALUE_BYTES),
      macKeyUnderTmk: tmk.encrypt(mak),
      macKeyCheckValue: keyCheckValueOf(new DesEcbKey(mak), KEY_CHECK_VALUE_BYTES),
    };
    const generated: GeneratedWorkingKeys = {
      field62: Buffer.alloc(0),
      pikUnderMasterKey: this.#wrap(pik, 'PIK'),
      makUnderMasterKey: this.#wrap(mak, 'MAK'),
    };
    if (mode === '004') {
      const tdk = withOddParity(randomBytes(DOUBLE_KEY_BYTES));
      keys.trackKeyUnderTmk = tmk.encrypt(tdk);
      keys.trackKeyCheckValue = keyCheckValueOf(new DesEcbKey(tdk), KEY_CHECK_VALUE_BYTES);
      generated.tdkUnderMasterKey = this.#wrap(tdk, 'TDK');
      tdk.fill(0);
    }
    pik.fill(0);
    mak.fill(0);
    generated.field62 = buildSignInKeys62(keys, mode);
    return generated;
  }

  generateMac(makUnderMasterKey: string, mab: Buffer): Buffer {
    return cupEcbMac(this.#cipherFor(makUnderMasterKey, 'MAK'), mab);
  }

  verifyMac(makUnderMasterKey: string, mab: Buffer, mac: Buffer): boolean {
    const expected = this.generateMac(makUnderMasterKey, mab);
    assert(expected.length === CUP_MAC_BYTES, 'generated MAC length');
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  }

  /** PIK -> ZPK without the PIN leaving this object; a malformed block throws BAD_PIN_BLOCK. */
  translatePinBlock(pikUnderMasterKey: string, pinBlock: Buffer, pan: string, zpkUnderMasterKey: string): Buffer {
    if (pinBlock.length !== DES_BLOCK_BYTES) throw new CryptoError('BAD_PIN_BLOCK', 'a PIN block is 8 bytes');
    const clearBlock = this.#cipherFor(pikUnderMasterKey, 'PIK').decrypt(pinBlock);
    // Parsing checks the block is a well-formed format 0 block for this PAN before it is forwarded.
    const pin = clearPinFromBlock(clearBlock, pan);
    assert(pin.length > 0, 'parsed PIN');
    const translated = this.#cipherFor(zpkUnderMasterKey, 'ZPK').encrypt(clearBlock);
    clearBlock.fill(0);
    return translated;
  }

  /** The simulated issuer's check; a malformed block is a wrong PIN, never an exception. */
  verifyPin(zpkUnderMasterKey: string, pinBlock: Buffer, pan: string, expectedPin: string): boolean {
    if (pinBlock.length !== DES_BLOCK_BYTES) return false;
    const clearBlock = this.#cipherFor(zpkUnderMasterKey, 'ZPK').decrypt(pinBlock);
    const expectedBlock = pinBlockFormat0(expectedPin, pan);
    const matches = timingSafeEqual(clearBlock, expectedBlock);
    clearBlock.fill(0);
    expectedBlock.fill(0);
    return matches;
  }

  encryptTrackData(tdkUnderMasterKey: string, track: string): string {
    return encryptTrackWithKey(this.#cipherFor(tdkUnderMasterKey, 'TDK'), track);
  }

  decryptTrackData(tdkUnderMasterKey: string, track: string): string {
    return decryptTrackWithKey(this.#cipherFor(tdkUnderMasterKey, 'TDK'), track);
  }

  #wrap(key: Buffer, usage: KeyUsage): string {
    assert(key.length === SINGLE_KEY_BYTES || key.length % DES_BLOCK_BYTES === 0, 'key length');
    return (this.#variantCiphers.get(usage) as DesEcbKey).encrypt(key).toString('hex').toUpperCase();
  }

  #cipherFor(keyUnderMasterKey: string, usage: KeyUsage): DesEcbKey {
    let byBlob = this.#keyCache.get(usage);
    if (byBlob === undefined) {
      byBlob = new Map();
      this.#keyCache.set(usage, byBlob);
    }
    const cached = byBlob.get(keyUnderMasterKey);
    if (cached !== undefined) {
      cached.referenced = true;
      return cached.cipher;
    }
    const blob = parseKeyHex(keyUnderMasterKey, `${usage} blob`, 'BAD_KEY_BLOB');
    const clear = (this.#variantCiphers.get(usage) as DesEcbKey).decrypt(blob);
    // MAKs compute CUP MACs, which run on the key's CBC chain (one native call per MAC).
    const cipher = new DesEcbKey(clear, { cbcChain: usage === 'MAK' });
    clear.fill(0);
    if (this.#cachedKeys >= this.#keyCacheEntriesMax) this.#evictOne(byBlob);
    byBlob.set(keyUnderMasterKey, { cipher, referenced: false });
    this.#cachedKeys++;
    assert(this.#cachedKeys <= this.#keyCacheEntriesMax, 'key cache stays bounded');
    return cipher;
  }

  /** Evicts one key, preferring the usage being filled; the loop ends within two passes of a map. */
  #evictOne(preferred: Map<string, CachedKey>): void {
    let victims = preferred;
    if (victims.size === 0) {
      for (const byBlob of this.#keyCache.values()) if (byBlob.size > victims.size) victims = byBlob;
    }
    assert(victims.size > 0, 'a full cache has an entry to evict');
    for (const [blob, entry] of victims) {
      victims.delete(blob);
      if (!entry.referenced) break;
      entry.referenced = false;
      victims.set(blob, entry);
    }
    this.#cachedKeys--;
  }
}
