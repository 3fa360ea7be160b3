// Goal: BER-TLV parsing keeps tags in order, handles nesting and long lengths, and refuses
// malformed or hostile input within its limits. Method: literal encodings built by hand and the
// sample purchase's field 55, parsed, rebuilt byte-exactly and compared; bad inputs check BAD_TLV.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { buildTlv, IsoCodecError, parseTlv, parseTlvTopLevel, samplePurchaseRequest, TLV_DEPTH_MAX } from './index.ts';

const hex = (text: string) => Buffer.from(text, 'hex');
const isTlvError = (error: unknown) =>
  error instanceof IsoCodecError && error.code === 'BAD_TLV' && error.fieldNumber === 55;

test('the sample field 55 parses into its EMV tags in order and rebuilds byte-exactly', () => {
  const field55 = samplePurchaseRequest().fields.get(55) as Buffer;
  const items = parseTlvTopLevel(field55);
  expect.deepEqual(
    items.map((item) => item.tag),
    ['9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A', '9F03', '9F33'],
  );
  expect.equal(items[0]?.value.toString('hex').toUpperCase(), 'C2C12B098F3DA6E3');
  expect.deepEqual(buildTlv(items), field55);
});

test('nested templates are flattened in document order with their depth', () => {
  // 70 { 5A 4111111111111111, 5F24 251231 }, then 9F02 000000012345.
  const bytes = hex('70105A0841111111111111115F24032512319F0206000000012345');
  const items = parseTlv(bytes);
  expect.deepEqual(
    items.map((item) => [item.tag, item.depth, item.constructed]),
    [
      ['70', 0, true],
      ['5A', 1, false],
      ['5F24', 1, false],
      ['9F02', 0, false],
    ],
  );
  expect.deepEqual(buildTlv(parseTlvTopLevel(bytes)), bytes);
});

test('long-form lengths are read and written minimally', () => {
  const value = Buffer.alloc(200, 0xab);
  const built = buildTlv([{ tag: '9F10', value }]);
  expect.equal(built.subarray(0, 4).toString('hex').toUpperCase(), '9F1081C8');
  expect.deepEqual(parseTlv(built)[0]?.value, value);
  expect.equal(
    buildTlv([{ tag: '5A', value: Buffer.alloc(300) }])
      .subarray(0, 4)
      .toString('hex'),
    '5a82012c',
  );
  expect.deepEqual(parseTlv(hex('5A8200020102'))[0]?.value, hex('0102'));
});

test('malformed TLV is refused with BAD_TLV', () => {
  expect.throws(() => parseTlv(hex('9F')), isTlvError);
  expect.throws(() => parseTlv(hex('9F26')), isTlvError);
  expect.throws(() => parseTlv(hex('9F2608C2C1')), isTlvError);
  expect.throws(() => parseTlv(hex('9FFFFF0100')), isTlvError);
  expect.throws(() => parseTlv(hex('5A80')), isTlvError);
  expect.throws(() => parseTlv(hex('5A83000001AA')), isTlvError);
  // A child that overruns its parent.
  expect.throws(() => parseTlv(hex('70035A0201029F')), isTlvError);
  expect.throws(() => buildTlv([{ tag: '9F', value: Buffer.alloc(1) }]), isTlvError);
  expect.throws(() => buildTlv([{ tag: '5A5A', value: Buffer.alloc(1) }]), isTlvError);
  expect.throws(() => buildTlv([{ tag: '9f26', value: Buffer.alloc(1) }]), isTlvError);
});

test('nesting deeper than the limit is refused, not recursed into', () => {
  let bytes: Buffer = hex('5A0100');
  for (let level = 0; level <= TLV_DEPTH_MAX; level++) bytes = buildTlv([{ tag: '70', value: bytes }]);
  expect.throws(() => parseTlv(bytes), isTlvError);
  const deepest = buildTlv([{ tag: '70', value: hex('5A0100') }]);
  expect.equal(parseTlv(deepest).length, 2);
  // Many items: the item bound stops a flood of empty tags.
  expect.throws(() => parseTlv(Buffer.from('5A00'.repeat(200), 'hex')), isTlvError);
});
