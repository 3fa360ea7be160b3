// Goal: the 128-bit network spec packs ISO 8583:1987 style (ASCII MTI and prefixes, binary
// bitmaps) exactly and round-trips every defined field. Method: a literal expected packing built by
// hand, then a message using every field of the table, then refusal cases.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { cupNetworkSpec, type FieldValue, IsoCodecError, packMessage, unpackMessage } from '../index.ts';

test('a 0800 echo packs to the expected bytes with a secondary bitmap', () => {
  const message = {
    mti: '0800',
    fields: new Map<number, FieldValue>([
      [7, '1122103015'],
      [11, '000001'],
      [70, '301'],
    ]),
  };
  const packed = packMessage(cupNetworkSpec, message);
  const expected = Buffer.concat([
    Buffer.from('0800', 'latin1'),
    Buffer.from('8220000000000000', 'hex'), // bit 1 (secondary), 7, 11
    Buffer.from('0400000000000000', 'hex'), // bit 70
    Buffer.from('1122103015000001301', 'latin1'),
  ]);
  expect.deepEqual(packed, expected);
  expect.deepEqual(unpackMessage(cupNetworkSpec, packed), message);
});

test('every field of the network table round-trips at its maximum length', () => {
  const fields = new Map<number, FieldValue>();
  for (const [key, field] of Object.entries(cupNetworkSpec.definition.fields)) {
    const fieldNumber = Number(key);
    if (field.encoding === 'binary') fields.set(fieldNumber, Buffer.alloc(field.length, fieldNumber));
    else if (field.encoding === 'n-ascii') fields.set(fieldNumber, '7'.repeat(field.length));
    else fields.set(fieldNumber, 'A1 ='.repeat(field.length).slice(0, field.length));
  }
  // Fill to a size the message bound allows: shorten the 999-character private fields.
  for (const fieldNumber of [48, 60, 61, 62, 63]) fields.set(fieldNumber, 'x'.repeat(300));
  const message = { mti: '0200', fields };
  const packed = packMessage(cupNetworkSpec, message);
  expect.deepEqual(unpackMessage(cupNetworkSpec, packed), message);
  expect.deepEqual(packMessage(cupNetworkSpec, unpackMessage(cupNetworkSpec, packed)), packed);
  for (const fieldNumber of [
    2, 3, 4, 7, 11, 12, 13, 14, 15, 18, 22, 23, 25, 26, 32, 33, 35, 37, 38, 39, 41, 42, 43, 49, 52, 53, 54, 55, 60, 61,
    62, 63, 90, 96, 100, 102, 103, 128,
  ]) {
    expect.ok(cupNetworkSpec.fieldSpecs[fieldNumber] !== undefined, `field ${fieldNumber} is defined`);
  }
});

test('ASCII prefixes and numeric fields refuse non-digits', () => {
  const isCode = (code: string, fieldNumber: number) => (error: unknown) =>
    error instanceof IsoCodecError && error.code === code && error.fieldNumber === fieldNumber;
  const base = packMessage(cupNetworkSpec, { mti: '0200', fields: new Map([[2, '6222021234567890123']]) });
  const badPrefix = Buffer.from(base);
  badPrefix[12] = 0x41;
  expect.throws(() => unpackMessage(cupNetworkSpec, badPrefix), isCode('BAD_CHARACTER', 2));
  const badDigit = Buffer.from(base);
  badDigit[20] = 0x41;
  expect.throws(() => unpackMessage(cupNetworkSpec, badDigit), isCode('BAD_CHARACTER', 2));
  expect.throws(
    () => packMessage(cupNetworkSpec, { mti: '0200', fields: new Map([[4, '00000000012A']]) }),
    isCode('BAD_CHARACTER', 4),
  );
  expect.throws(() => unpackMessage(cupNetworkSpec, Buffer.from('02A0', 'latin1')), isCode('BAD_MTI', 0));
  // Bit 65 is not in the table.
  const unknown = Buffer.concat([
    Buffer.from('0200', 'latin1'),
    Buffer.from('8000000000000000', 'hex'),
    Buffer.from('8000000000000000', 'hex'),
  ]);
  expect.throws(() => unpackMessage(cupNetworkSpec, unknown), isCode('UNKNOWN_FIELD', 65));
});
