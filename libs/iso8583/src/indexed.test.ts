// Goal: the indexed form (unpackIndexedMessage, packIndexedMessage, decodeTerminalFrameIndexed) is
// the Map form without the Map: same values, same bytes, same refusals with the same error text.
// Method: differential checks against unpackMessage/packMessage on golden vectors, seeded random
// messages of both specs and seeded mutated frames, plus explicit refusal and scratch-reuse cases.
import { AssertionFailure } from '@acq/assert';
import { strict as expect } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  cupNetworkSpec,
  cupPosSpec,
  decodeTerminalFrame,
  decodeTerminalFrameIndexed,
  encodeTerminalFrame,
  type FieldValue,
  type IndexedIsoMessage,
  IsoCodecError,
  type IsoMessage,
  type MessageSpec,
  packIndexedMessage,
  packMessage,
  samplePurchaseRequest,
  samplePurchaseResponse,
  toIsoMessage,
  unpackIndexedMessage,
  unpackMessage,
} from './index.ts';
import { randomMessage, SeededRandom } from './testing-random.ts';

const RANDOM_MESSAGES_PER_SPEC = 2_000;
const MUTATED_FRAMES = 20_000;
const TPDU = Buffer.from('6000010000', 'hex');
const HEADER = Buffer.from('603100000000', 'hex');

function indexedOf(spec: MessageSpec, message: IsoMessage): IndexedIsoMessage {
  const fieldValues = new Array<FieldValue | undefined>(spec.fieldNumberMax + 1);
  for (const [fieldNumber, value] of message.fields) fieldValues[fieldNumber] = value;
  return { mti: message.mti, fieldValues };
}

/** Runs both forms; they must both succeed with equal results or both refuse with the same error. */
function expectSameOutcome<Result>(mapForm: () => Result, indexedForm: () => Result, label: string): void {
  let mapResult: Result | IsoCodecError;
  let indexedResult: Result | IsoCodecError;
  try {
    mapResult = mapForm();
  } catch (error) {
    expect.ok(error instanceof IsoCodecError, `${label}: Map form threw ${String(error)}`);
    mapResult = error;
  }
  try {
    indexedResult = indexedForm();
  } catch (error) {
    expect.ok(error instanceof IsoCodecError, `${label}: indexed form threw ${String(error)}`);
    indexedResult = error;
  }
  if (mapResult instanceof IsoCodecError || indexedResult instanceof IsoCodecError) {
    expect.ok(mapResult instanceof IsoCodecError, `${label}: only the indexed form refused`);
    expect.ok(indexedResult instanceof IsoCodecError, `${label}: only the Map form refused`);
    expect.equal(indexedResult.message, mapResult.message, label);
    expect.equal(indexedResult.code, mapResult.code, label);
    expect.equal(indexedResult.fieldNumber, mapResult.fieldNumber, label);
    expect.equal(indexedResult.offset, mapResult.offset, label);
    return;
  }
  expect.deepEqual(indexedResult, mapResult, label);
}

test('the sample purchase decodes to the same fields in both forms and packs to the same bytes', () => {
  for (const message of [samplePurchaseRequest(), samplePurchaseResponse()]) {
    const bytes = packMessage(cupPosSpec, message);
    const indexed = unpackIndexedMessage(cupPosSpec, bytes);
    expect.equal(indexed.fieldValues.length, cupPosSpec.fieldNumberMax + 1);
    expect.equal(indexed.fieldValues[0], undefined);
    expect.equal(indexed.fieldValues[1], undefined);
    expect.deepEqual(toIsoMessage(indexed), message);
    expect.deepEqual(indexed.fieldValues[2], message.fields.get(2));
    expect.deepEqual(packIndexedMessage(cupPosSpec, indexed), bytes);
    expect.deepEqual(packIndexedMessage(cupPosSpec, indexedOf(cupPosSpec, message)), bytes);
  }
});

test('golden captures decode to the same message in both forms, with the same MAC input', () => {
  const directory = join(import.meta.dirname, '..', 'testdata', 'cup-pos');
  const frames = readdirSync(directory).filter((file) => file.endsWith('.hex') && !file.includes('.message.'));
  expect.ok(frames.length >= 3);
  for (const file of frames) {
    const body = Buffer.from(readFileSync(join(directory, file), 'utf8').trim(), 'hex').subarray(2);
    const viaMap = decodeTerminalFrame(cupPosSpec, body);
    const viaIndex = decodeTerminalFrameIndexed(cupPosSpec, body);
    expect.deepEqual(toIsoMessage(viaIndex.message), viaMap.message, file);
    expect.deepEqual(viaIndex.macInput, viaMap.macInput, file);
    expect.deepEqual(viaIndex.tpdu, viaMap.tpdu, file);
    expect.deepEqual(viaIndex.header, viaMap.header, file);
  }
});

for (const [spec, seed, lengthCap] of [
  [cupPosSpec, 0x1d3e, 999],
  [cupNetworkSpec, 0x2f4a, 200],
] as const) {
  test(`${spec.name}: random messages round-trip identically through both forms`, () => {
    const random = new SeededRandom(seed);
    for (let iteration = 0; iteration < RANDOM_MESSAGES_PER_SPEC; iteration++) {
      const message = randomMessage(random, spec, 0.35, lengthCap);
      const bytes = packMessage(spec, message);
      expect.deepEqual(packIndexedMessage(spec, indexedOf(spec, message)), bytes, `iteration ${iteration}`);
      const indexed = unpackIndexedMessage(spec, bytes);
      expect.deepEqual(toIsoMessage(indexed), message, `iteration ${iteration}`);
      expect.deepEqual(packIndexedMessage(spec, indexed), bytes, `iteration ${iteration}`);
    }
  });
}

function mutate(random: SeededRandom, seed: Buffer): Buffer {
  const frame = Buffer.from(seed);
  const edits = 1 + random.below(4);
  for (let edit = 0; edit < edits; edit++) {
    const position = random.below(frame.length);
    if (random.below(2) === 0) frame[position] = (frame[position] as number) ^ (1 << random.below(8));
    else frame[position] = random.below(256);
  }
  return random.below(5) === 0 ? frame.subarray(0, random.below(frame.length + 1)) : frame;
}

test('mutated frames: both forms accept or refuse alike, with the same error code, field and offset', () => {
  const random = new SeededRandom(0x5eed);
  const seeds = [samplePurchaseRequest(), samplePurchaseResponse()].map((message) =>
    encodeTerminalFrame(cupPosSpec, { tpdu: TPDU, header: HEADER, message }).subarray(2),
  );
  let refused = 0;
  for (let iteration = 0; iteration < MUTATED_FRAMES; iteration++) {
    const body = mutate(random, seeds[iteration % seeds.length] as Buffer);
    const label = `iteration ${iteration}`;
    expectSameOutcome(
      () => decodeTerminalFrame(cupPosSpec, body).message,
      () => toIsoMessage(decodeTerminalFrameIndexed(cupPosSpec, body).message),
      label,
    );
    try {
      unpackIndexedMessage(cupPosSpec, body.subarray(11));
    } catch {
      refused++;
    }
  }
  // The mutations must exercise both outcomes, or the comparison proves little.
  expect.ok(refused > MUTATED_FRAMES / 10, `${refused} refusals`);
  expect.ok(refused < MUTATED_FRAMES, `${refused} refusals`);
});

test('a refused decode leaves nothing behind for the next decode', () => {
  const request = packMessage(cupPosSpec, samplePurchaseRequest());
  const broken = Buffer.from(request);
  broken[broken.length - 9] = 0xff; // inside field 60's last digits, after most fields were read
  expect.throws(() => unpackMessage(cupPosSpec, broken), IsoCodecError);
  expect.throws(() => unpackIndexedMessage(cupPosSpec, broken), IsoCodecError);
  const small: IsoMessage = { mti: '0800', fields: new Map<number, FieldValue>([[11, '000001']]) };
  const smallBytes = packMessage(cupPosSpec, small);
  expect.deepEqual(unpackMessage(cupPosSpec, smallBytes), small);
  expect.deepEqual(toIsoMessage(unpackIndexedMessage(cupPosSpec, smallBytes)), small);
});

test('packing refusals are the same in both forms', () => {
  const cases: Array<[number, FieldValue]> = [
    [5, '1'], // not in the CUP POS table
    [3, '12345'], // fixed n6 given 5 digits
    [2, '1'.repeat(20)], // LL n..19 given 20
    [52, 'not a buffer'], // binary field given a string
    [41, Buffer.from('12345678')], // text field given a Buffer
    [3, '00000A'], // not BCD
    [41, 'ABC\u0100DEFG'], // beyond latin1
  ];
  for (const [fieldNumber, value] of cases) {
    const message: IsoMessage = { mti: '0200', fields: new Map<number, FieldValue>([[fieldNumber, value]]) };
    expectSameOutcome(
      () => packMessage(cupPosSpec, message),
      () => packIndexedMessage(cupPosSpec, indexedOf(cupPosSpec, message)),
      `field ${fieldNumber}`,
    );
    expect.throws(() => packIndexedMessage(cupPosSpec, indexedOf(cupPosSpec, message)), IsoCodecError);
  }
});

test('the indexed form refuses slots 0 and 1, fields past the bitmap and oversized arrays', () => {
  const withSlot = (fieldNumber: number): IndexedIsoMessage => {
    const fieldValues = new Array<FieldValue | undefined>(cupNetworkSpec.fieldNumberMax + 1);
    fieldValues[fieldNumber] = Buffer.alloc(8);
    return { mti: '0200', fieldValues };
  };
  expect.throws(
    () => packIndexedMessage(cupPosSpec, withSlot(0)),
    /^IsoCodecError: UNKNOWN_FIELD: number \(offset 0\)$/,
  );
  expect.throws(() => packIndexedMessage(cupPosSpec, withSlot(1)), /UNKNOWN_FIELD: number \(field 1 at offset 0\)/);
  expect.throws(() => packIndexedMessage(cupPosSpec, withSlot(65)), /UNKNOWN_FIELD: number \(field 65 at offset 0\)/);
  expect.deepEqual(
    unpackIndexedMessage(cupNetworkSpec, packIndexedMessage(cupNetworkSpec, withSlot(128))).fieldValues[128],
    Buffer.alloc(8),
  );
  const oversized: IndexedIsoMessage = { mti: '0200', fieldValues: new Array(130) };
  expect.throws(() => packIndexedMessage(cupNetworkSpec, oversized), AssertionFailure);
});

test('tracks in clear and with ciphertext letters decode to the same text whichever path reads them', () => {
  const tracks = [
    '6222021234567890123=28122201234567890', // clear, odd: the last digit shares a byte with the pad
    '6222021234567890123=2812220123456789', // clear, even
    '=', // the separator alone, in the pad byte
    '99=88=77', // several separators (track 3 style)
    '62220212345678A0BC=2812EF', // ciphertext letters in the middle, odd
    '6222021234567890123=281222012345678F', // a letter as the last digit of an even track
    '6222021234567890123=28122201234567E', // a letter in the byte holding the pad nibble
  ];
  for (const track of tracks) {
    const message: IsoMessage = { mti: '0200', fields: new Map<number, FieldValue>([[35, track]]) };
    const bytes = packMessage(cupPosSpec, message);
    expect.deepEqual(unpackMessage(cupPosSpec, bytes), message, track);
    expect.equal(unpackIndexedMessage(cupPosSpec, bytes).fieldValues[35], track, track);
  }
});
