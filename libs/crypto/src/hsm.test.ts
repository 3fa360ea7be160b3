// Goal: the software HSM issues, wraps and uses keys correctly and never hands back clear secrets.
// Method: play the terminal with the clear TMK delivered at activation (unwrap field 62, MAC and
// encrypt PIN blocks and tracks as a terminal would) and check the HSM's results against it.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { cupPosSpec, packMessage, unpackMessage } from '@acq/iso8583';
import {
  CryptoError,
  cupEcbMac,
  encryptTrackData,
  keyCheckValue,
  pinBlockFormat0,
  SoftwareHsm,
  tripleDesEncryptEcb,
  unwrapSignInKeys,
} from './index.ts';

const MASTER_KEY_HEX = '0123456789ABCDEFFEDCBA9876543210';
const PAN = '6222021234567890123';
const hsm = new SoftwareHsm({ masterKeyHex: MASTER_KEY_HEX });
const code = (expected: string) => (error: unknown) => error instanceof CryptoError && error.code === expected;

test('a terminal master key is wrapped, delivered once in clear and checkable by KCV', () => {
  const tmk = hsm.generateTerminalMasterKey();
  expect.match(tmk.tmkUnderMasterKey, /^[0-9A-F]{32}$/);
  expect.match(tmk.tmkClearForDelivery, /^[0-9A-F]{32}$/);
  expect.notEqual(tmk.tmkUnderMasterKey, tmk.tmkClearForDelivery);
  expect.equal(tmk.kcv, keyCheckValue(Buffer.from(tmk.tmkClearForDelivery, 'hex')).toString('hex').toUpperCase());
  expect.equal(hsm.keyCheckValue(tmk.tmkUnderMasterKey, 'TMK'), tmk.kcv);
  expect.notEqual(hsm.generateTerminalMasterKey().tmkClearForDelivery, tmk.tmkClearForDelivery);
});

for (const [mode, bytes] of [
  ['001', 24],
  ['003', 40],
  ['004', 60],
] as const) {
  test(`sign-in ${mode}: field 62 is ${bytes} bytes, the terminal unwraps it and MACs agree`, () => {
    const tmk = hsm.generateTerminalMasterKey();
    const keys = hsm.generateWorkingKeys(tmk.tmkUnderMasterKey, mode);
    expect.equal(keys.field62.length, bytes);
    const clear = unwrapSignInKeys(Buffer.from(tmk.tmkClearForDelivery, 'hex'), keys.field62, mode);
    expect.equal(clear.pik.length, mode === '001' ? 8 : 16);
    expect.equal(clear.mak.length, 8);
    expect.equal(clear.tdk?.length, mode === '004' ? 16 : undefined);
    expect.equal(keys.tdkUnderMasterKey !== undefined, mode === '004');
    const mab = packMessage(cupPosSpec, { mti: '0200', fields: new Map([[11, '000001']]) });
    const mac = hsm.generateMac(keys.makUnderMasterKey, mab);
    expect.deepEqual(mac, cupEcbMac(clear.mak, mab));
    expect.equal(hsm.verifyMac(keys.makUnderMasterKey, mab, mac), true);
    const tampered = Buffer.from(mab);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect.equal(hsm.verifyMac(keys.makUnderMasterKey, tampered, mac), false);
    expect.equal(hsm.verifyMac(keys.makUnderMasterKey, mab, mac.subarray(0, 4)), false);
    // The wrong TMK fails the check values instead of yielding garbage keys.
    const otherTmk = hsm.generateTerminalMasterKey().tmkClearForDelivery;
    expect.throws(
      () => unwrapSignInKeys(Buffer.from(otherTmk, 'hex'), keys.field62, mode),
      code('KEY_CHECK_VALUE_MISMATCH'),
    );
  });
}

test('PIN blocks are translated PIK -> ZPK and verified by the issuer side', () => {
  const tmk = hsm.generateTerminalMasterKey();
  const keys = hsm.generateWorkingKeys(tmk.tmkUnderMasterKey, '003');
  const clear = unwrapSignInKeys(Buffer.from(tmk.tmkClearForDelivery, 'hex'), keys.field62, '003');
  const zpk = hsm.importKey('89ABCDEF0123456776543210FEDCBA98', 'ZPK');
  expect.equal(
    zpk.kcv,
    keyCheckValue(Buffer.from('89ABCDEF0123456776543210FEDCBA98', 'hex')).toString('hex').toUpperCase(),
  );
  const terminalBlock = tripleDesEncryptEcb(clear.pik, pinBlockFormat0('246810', PAN));
  const networkBlock = hsm.translatePinBlock(keys.pikUnderMasterKey, terminalBlock, PAN, zpk.keyUnderMasterKey);
  expect.notDeepEqual(networkBlock, terminalBlock);
  expect.equal(hsm.verifyPin(zpk.keyUnderMasterKey, networkBlock, PAN, '246810'), true);
  expect.equal(hsm.verifyPin(zpk.keyUnderMasterKey, networkBlock, PAN, '246811'), false);
  expect.equal(hsm.verifyPin(zpk.keyUnderMasterKey, networkBlock.subarray(0, 7), PAN, '246810'), false);
  // A block made for another PAN, or garbage, is refused before it reaches the network.
  const otherPan = tripleDesEncryptEcb(clear.pik, pinBlockFormat0('246810', '6222029999999999999'));
  expect.throws(
    () => hsm.translatePinBlock(keys.pikUnderMasterKey, otherPan, PAN, zpk.keyUnderMasterKey),
    code('BAD_PIN_BLOCK'),
  );
  expect.throws(
    () => hsm.translatePinBlock(keys.pikUnderMasterKey, Buffer.alloc(8, 0x55), PAN, zpk.keyUnderMasterKey),
    code('BAD_PIN_BLOCK'),
  );
});

test('key usages are separated: a blob only works as the usage it was wrapped for', () => {
  const asZpk = hsm.importKey('0123456789ABCDEF', 'ZPK');
  const asMak = hsm.importKey('0123456789ABCDEF', 'MAK');
  expect.notEqual(asZpk.keyUnderMasterKey, asMak.keyUnderMasterKey);
  expect.equal(asZpk.kcv, asMak.kcv);
  const mab = Buffer.from('0200', 'hex');
  expect.deepEqual(
    hsm.generateMac(asMak.keyUnderMasterKey, mab),
    cupEcbMac(Buffer.from('0123456789ABCDEF', 'hex'), mab),
  );
  expect.notDeepEqual(
    hsm.generateMac(asZpk.keyUnderMasterKey, mab),
    cupEcbMac(Buffer.from('0123456789ABCDEF', 'hex'), mab),
  );
});

test('track data encrypted by the terminal with the TDK survives the codec and decrypts in the HSM', () => {
  const tmk = hsm.generateTerminalMasterKey();
  const keys = hsm.generateWorkingKeys(tmk.tmkUnderMasterKey, '004');
  const clear = unwrapSignInKeys(Buffer.from(tmk.tmkClearForDelivery, 'hex'), keys.field62, '004');
  const track = `${PAN}=28122201234567890`;
  const encrypted = encryptTrackData(clear.tdk as Buffer, track);
  expect.equal(encrypted.length, track.length);
  expect.notEqual(encrypted, track);
  const carried = unpackMessage(
    cupPosSpec,
    packMessage(cupPosSpec, { mti: '0200', fields: new Map([[35, encrypted]]) }),
  );
  expect.equal(carried.fields.get(35), encrypted);
  expect.equal(hsm.decryptTrackData(keys.tdkUnderMasterKey as string, encrypted), track);
  expect.equal(
    hsm.decryptTrackData(
      keys.tdkUnderMasterKey as string,
      hsm.encryptTrackData(keys.tdkUnderMasterKey as string, track),
    ),
    track,
  );
  expect.throws(() => hsm.decryptTrackData(keys.tdkUnderMasterKey as string, '1234=5678'), code('BAD_TRACK'));
  expect.throws(() => hsm.decryptTrackData(keys.tdkUnderMasterKey as string, `${track}x`), code('BAD_TRACK'));
});

test('the key cache stays correct past its bound and bad keys are refused', () => {
  const small = new SoftwareHsm({ masterKeyHex: MASTER_KEY_HEX, keyCacheEntriesMax: 2 });
  const mab = Buffer.from('0800', 'hex');
  const clearKeys = ['1111111111111111', '2222222222222222', '4444444444444444'];
  const blobs = clearKeys.map((clearHex) => small.importKey(clearHex, 'MAK').keyUnderMasterKey);
  for (let round = 0; round < 3; round++) {
    blobs.forEach((blob, index) => {
      expect.deepEqual(small.generateMac(blob, mab), cupEcbMac(Buffer.from(clearKeys[index] as string, 'hex'), mab));
    });
  }
  expect.throws(() => new SoftwareHsm({ masterKeyHex: '0123' }), code('BAD_KEY'));
  expect.throws(() => new SoftwareHsm({ masterKeyHex: '0123456789ABCDEF' }), code('BAD_KEY'));
  expect.throws(() => small.generateMac('XYZ', mab), code('BAD_KEY_BLOB'));
  expect.throws(() => small.translatePinBlock('00', Buffer.alloc(8), PAN, '00'), code('BAD_KEY_BLOB'));
  expect.throws(() => small.importKey('0123456789ABCDEG'), code('BAD_KEY'));
});
