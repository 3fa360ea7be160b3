// Goal: every primitive reproduces published test vectors byte for byte.
// Method: each vector names its public source; values are compared as upper-case hex.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import {
  clearPinFromBlock,
  CryptoError,
  cupEcbMac,
  DesEcbKey,
  keyCheckValue,
  pinBlockFormat0,
  singleDesDecryptEcb,
  singleDesEncryptEcb,
  tripleDesDecryptEcb,
  tripleDesEncryptEcb,
  x99Mac,
  x919Mac,
} from './index.ts';

const hex = (text: string) => Buffer.from(text, 'hex');
const upper = (bytes: Buffer) => bytes.toString('hex').toUpperCase();

test('DES: the textbook vector and the all-zero check block', () => {
  // Stallings / Grabbe "DES algorithm illustrated": K = 133457799BBCDFF1, M = 0123456789ABCDEF.
  expect.equal(upper(singleDesEncryptEcb(hex('133457799BBCDFF1'), hex('0123456789ABCDEF'))), '85E813540F0AB405');
  expect.equal(upper(singleDesDecryptEcb(hex('133457799BBCDFF1'), hex('85E813540F0AB405'))), '0123456789ABCDEF');
  // Widely published KCV of the test key 0123456789ABCDEF: E_K(0^8) = D5D44FF720683D0D.
  expect.equal(upper(singleDesEncryptEcb(hex('0123456789ABCDEF'), Buffer.alloc(8))), 'D5D44FF720683D0D');
});

test('3DES: double-length key vectors', () => {
  // KCV of the common test key 0123456789ABCDEF FEDCBA9876543210 (EFTlab / HSM manuals): 08D7B4.
  expect.equal(upper(keyCheckValue(hex('0123456789ABCDEFFEDCBA9876543210'), 8)), '08D7B4FB629D0885');
  expect.equal(upper(keyCheckValue(hex('0123456789ABCDEFFEDCBA9876543210'))), '08D7B4FB');
  expect.equal(upper(keyCheckValue(hex('0123456789ABCDEFFEDCBA9876543210'), 3)), '08D7B4');
  // solo123/pgate test/integration/pos_mac_test.rb ("e_mak加密算法"): 3DES-ECB of two blocks.
  const key = hex('BA213DD564BBE85DDB62942364FBE85D');
  const clear = hex('BF3523B8E3845CB5300D97F976AF0A39');
  expect.equal(upper(tripleDesEncryptEcb(key, clear)), '15C481BEC8A7155890694EBEAC00489F');
  expect.equal(upper(tripleDesDecryptEcb(key, hex('15C481BEC8A7155890694EBEAC00489F'))), upper(clear));
  // A 16-byte key with equal halves is single DES (K||K||K).
  expect.equal(
    upper(tripleDesEncryptEcb(hex('0123456789ABCDEF0123456789ABCDEF'), Buffer.alloc(8))),
    'D5D44FF720683D0D',
  );
});

test('CUP ECB MAC: the worked example with every intermediate value', () => {
  // solo123/pgate test/integration/pos_mac_test.rb and solo123/pgate_model test/kaifu_test/encrypt_test.rb:
  // MAB 1234567890ABCDEF ABCDEF1234567890, MAK 2222222222222222; XOR B9F9B96AA4FDB57F; E(first half)
  // 9FDE90A34CF73B2E; XOR with second half DEEAD6E70EC20C68; E again E267B6E21913D339; MAC "E267B6E2".
  const mab = hex('1234567890ABCDEFABCDEF1234567890');
  const mak = hex('2222222222222222');
  expect.equal(upper(singleDesEncryptEcb(mak, Buffer.from('B9F9B96A'))), '9FDE90A34CF73B2E');
  expect.equal(upper(singleDesEncryptEcb(mak, hex('DEEAD6E70EC20C68'))), 'E267B6E21913D339');
  expect.equal(cupEcbMac(mak, mab).toString('latin1'), 'E267B6E2');
  // A MAB that is not a multiple of 8 is padded with 0x00, which leaves the XOR unchanged.
  expect.equal(cupEcbMac(mak, Buffer.concat([mab, hex('00')])).toString('latin1'), 'E267B6E2');
  expect.notEqual(cupEcbMac(mak, Buffer.concat([mab, hex('01')])).toString('latin1'), 'E267B6E2');
});

test('CUP MAC on one long-lived key: every MAC starts from a zero IV, whatever came before', () => {
  // The key's CBC chain carries state between calls; each call must cancel it. Interleave MABs of
  // different lengths on one key and check every MAC against a fresh key and the published vector.
  const mak = hex('2222222222222222');
  const longLived = new DesEcbKey(mak, { cbcChain: true });
  const vector = hex('1234567890ABCDEFABCDEF1234567890');
  const mabs = [vector, Buffer.alloc(216, 0x5a), hex('01'), vector, Buffer.alloc(0), vector];
  for (const mab of mabs) expect.deepEqual(cupEcbMac(longLived, mab), cupEcbMac(mak, mab));
  expect.equal(cupEcbMac(longLived, vector).toString('latin1'), 'E267B6E2');
  expect.throws(() => cupEcbMac(new DesEcbKey(mak), vector), /cbcChain/);
});

test('ANSI X9.9 and X9.19 MACs', () => {
  // FIPS 113 / ANSI X9.9 appendix: K = 0123456789ABCDEF, text "7654321 Now is the time for ", MAC F1D30F68.
  const fips113 = Buffer.from('7654321 Now is the time for ', 'latin1');
  expect.equal(upper(x99Mac(hex('0123456789ABCDEF'), fips113)).slice(0, 8), 'F1D30F68');
  // ISO/IEC 9797-1 annex B, MAC algorithm 3 (X9.19), K = 0123456789ABCDEF, K' = FEDCBA9876543210,
  // data "Now is the time for all ", padding method 1: A1C72E74EA3FA9B6.
  const iso9797 = Buffer.from('Now is the time for all ', 'latin1');
  expect.equal(upper(x919Mac(hex('0123456789ABCDEFFEDCBA9876543210'), iso9797)), 'A1C72E74EA3FA9B6');
  // With equal key halves X9.19 collapses to X9.9 (self-consistency).
  expect.deepEqual(x919Mac(hex('0123456789ABCDEF0123456789ABCDEF'), iso9797), x99Mac(hex('0123456789ABCDEF'), iso9797));
  expect.throws(() => x919Mac(hex('0123456789ABCDEF'), iso9797), CryptoError);
});

test('ISO 9564 format 0 PIN blocks', () => {
  // Wikipedia "ISO 9564" format 0 example: PIN 1234, PAN 43219876543210987 -> 0412AC89ABCDEF67.
  expect.equal(upper(pinBlockFormat0('1234', '43219876543210987')), '0412AC89ABCDEF67');
  expect.equal(clearPinFromBlock(hex('0412AC89ABCDEF67'), '43219876543210987'), '1234');
  // Computed by hand (self-consistency): PIN field 041234FFFFFFFFFF XOR PAN field 0000000123456200.
  expect.equal(upper(pinBlockFormat0('1234', '4000001234562000')), '041234FEDCBA9DFF');
  expect.equal(upper(pinBlockFormat0('123456789012', '4000001234562000')), '0C1234575BD570FF');
  expect.equal(clearPinFromBlock(hex('0C1234575BD570FF'), '4000001234562000'), '123456789012');
});

test('PIN blocks refuse bad PINs, PANs and malformed blocks', () => {
  const code = (expected: string) => (error: unknown) => error instanceof CryptoError && error.code === expected;
  expect.throws(() => pinBlockFormat0('123', '4000001234562000'), code('BAD_PIN'));
  expect.throws(() => pinBlockFormat0('1234567890123', '4000001234562000'), code('BAD_PIN'));
  expect.throws(() => pinBlockFormat0('12a4', '4000001234562000'), code('BAD_PIN'));
  expect.throws(() => pinBlockFormat0('1234', '400000123456'), code('BAD_PAN'));
  expect.throws(() => pinBlockFormat0('1234', '40000012345620001234'), code('BAD_PAN'));
  // Control nibble 1 (format 1), a length of 3, a non-F filler, a wrong PAN and a short block.
  expect.throws(() => clearPinFromBlock(hex('1412AC89ABCDEF67'), '43219876543210987'), code('BAD_PIN_BLOCK'));
  expect.throws(() => clearPinFromBlock(hex('0312AC89ABCDEF67'), '43219876543210987'), code('BAD_PIN_BLOCK'));
  expect.throws(() => clearPinFromBlock(hex('0412AC89ABCDEF66'), '43219876543210987'), code('BAD_PIN_BLOCK'));
  expect.throws(() => clearPinFromBlock(hex('0412AC89ABCDEF67'), '4000001234562000'), code('BAD_PIN_BLOCK'));
  expect.throws(() => clearPinFromBlock(hex('0412AC89ABCDEF'), '43219876543210987'), code('BAD_PIN_BLOCK'));
  // Error messages carry no PIN or PAN digits.
  try {
    clearPinFromBlock(hex('0412AC89ABCDEF67'), '4000001234562000');
  } catch (error) {
    expect.ok(error instanceof CryptoError && !error.message.includes('1234'));
  }
});

test('DES refuses wrong key and data lengths', () => {
  const code = (expected: string) => (error: unknown) => error instanceof CryptoError && error.code === expected;
  expect.throws(() => tripleDesEncryptEcb(Buffer.alloc(15), Buffer.alloc(8)), code('BAD_KEY'));
  expect.throws(() => singleDesEncryptEcb(Buffer.alloc(16), Buffer.alloc(8)), code('BAD_KEY'));
  expect.throws(() => tripleDesEncryptEcb(Buffer.alloc(16), Buffer.alloc(7)), code('BAD_DATA_LENGTH'));
  expect.throws(() => tripleDesEncryptEcb(Buffer.alloc(16), Buffer.alloc(0)), code('BAD_DATA_LENGTH'));
});
