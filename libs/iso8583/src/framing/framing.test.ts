// Goal: terminal and network framing split, build and check frames exactly, and the stream reader
// never buffers past its bound. Method: a published sign-in capture and the sample purchase are fed
// whole, byte by byte and glued together; oversize, empty and truncated frames check the errors.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import {
  buildTerminalHeader,
  cupNetworkSpec,
  cupPosSpec,
  decodeNetworkFrame,
  decodeNetworkFrameIndexed,
  decodeTerminalFrame,
  decodeTerminalFrameIndexed,
  decodeTerminalFrameWithLength,
  encodeNetworkFrame,
  encodeTerminalFrame,
  encodeTerminalFrameWithMac,
  type IndexedIsoMessage,
  ISO_FRAME_BYTES_MAX,
  IsoCodecError,
  LengthPrefixedFrameReader,
  packMessage,
  parseTerminalHeader,
  samplePurchaseResponse,
  samplePurchaseRequest,
  swapTpdu,
  unpackIndexedMessage,
  withProcessingRequirement,
} from '../index.ts';

// Published CUP POS sign-in capture (see testdata/cup-pos/signin-0800-single-des.json).
const SIGN_IN = Buffer.from(
  '003C600000973360220000000008000020000000C00012021806323031323132303653706563526F75746531323132303600110000000100100003303033',
  'hex',
);
const TPDU = Buffer.from('6000010000', 'hex');
const HEADER = Buffer.from('603100000000', 'hex');

test('the reader returns frames whole, byte by byte and glued together', () => {
  const purchase = encodeTerminalFrame(cupPosSpec, { tpdu: TPDU, header: HEADER, message: samplePurchaseRequest() });
  const stream = Buffer.concat([SIGN_IN, purchase, SIGN_IN]);
  const whole = new LengthPrefixedFrameReader().push(stream);
  expect.deepEqual(whole, [SIGN_IN.subarray(2), purchase.subarray(2), SIGN_IN.subarray(2)]);
  const reader = new LengthPrefixedFrameReader();
  const bodies: Buffer[] = [];
  for (let index = 0; index < stream.length; index++) bodies.push(...reader.push(stream.subarray(index, index + 1)));
  expect.deepEqual(bodies, whole);
  expect.equal(reader.pendingBytes, 0);
  const split = new LengthPrefixedFrameReader();
  expect.deepEqual(split.push(stream.subarray(0, 70)), [SIGN_IN.subarray(2)]);
  expect.equal(split.pendingBytes, 70 - SIGN_IN.length);
});

test('the reader refuses an oversize or empty frame as soon as the length arrives', () => {
  const reader = new LengthPrefixedFrameReader(100);
  expect.deepEqual(reader.push(Buffer.from('0064', 'hex')), []);
  const tooBig = new LengthPrefixedFrameReader(100);
  expect.throws(
    () => tooBig.push(Buffer.from('0065', 'hex')),
    (error: unknown) => error instanceof IsoCodecError && error.code === 'FRAME_TOO_LARGE' && error.offset === 0,
  );
  const afterOne = new LengthPrefixedFrameReader();
  expect.throws(
    () => afterOne.push(Buffer.concat([SIGN_IN, Buffer.from('FFFF', 'hex')])),
    (error: unknown) =>
      error instanceof IsoCodecError && error.code === 'FRAME_TOO_LARGE' && error.offset === SIGN_IN.length,
  );
  expect.throws(
    () => new LengthPrefixedFrameReader().push(Buffer.from('0000', 'hex')),
    (error: unknown) => error instanceof IsoCodecError && error.code === 'EMPTY_FRAME',
  );
  expect.equal(new LengthPrefixedFrameReader().frameBytesMax, ISO_FRAME_BYTES_MAX);
});

test('a decoded frame exposes TPDU, header and the MAC input; responses swap the TPDU', () => {
  const frame = decodeTerminalFrameWithLength(cupPosSpec, SIGN_IN);
  expect.equal(frame.tpdu.toString('hex'), '6000009733');
  expect.equal(swapTpdu(frame.tpdu).toString('hex'), '6097330000');
  expect.deepEqual(frame.macInput, SIGN_IN.subarray(13));
  expect.deepEqual(parseTerminalHeader(frame.header), {
    applicationType: '60',
    softwareVersion: '22',
    terminalStatus: 0,
    processingRequirement: 0,
    softwareSubVersion: '000000',
  });
  const resign = withProcessingRequirement(frame.header, 3);
  expect.equal(resign.toString('hex'), '602203000000');
  expect.equal(parseTerminalHeader(resign).processingRequirement, 3);
  expect.deepEqual(buildTerminalHeader(parseTerminalHeader(resign)), resign);
  expect.throws(() => parseTerminalHeader(Buffer.from('6022AA000000', 'hex')), IsoCodecError);
});

test('the MAC covers MTI through the field before 64 and is written in place', () => {
  const message = samplePurchaseRequest();
  message.fields.delete(64);
  let seen = Buffer.alloc(0);
  const frame = encodeTerminalFrameWithMac(cupPosSpec, { tpdu: TPDU, header: HEADER, message }, (macInput) => {
    seen = Buffer.from(macInput);
    return Buffer.from('ABCDEF12', 'latin1');
  });
  const decoded = decodeTerminalFrameWithLength(cupPosSpec, frame);
  expect.equal((decoded.message.fields.get(64) as Buffer).toString('latin1'), 'ABCDEF12');
  expect.deepEqual(decoded.macInput, seen);
  // The MAC input is the packed message whose bitmap announces 64, minus the 8 MAC bytes.
  const withPlaceholder = packMessage(cupPosSpec, {
    mti: '0200',
    fields: new Map([...message.fields, [64, Buffer.alloc(8)]]),
  });
  expect.deepEqual(seen, withPlaceholder.subarray(0, withPlaceholder.length - 8));
  expect.equal(message.fields.has(64), false);
});

test('frame length mismatches and short bodies are typed errors', () => {
  const codeOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error instanceof IsoCodecError ? error.code : 'other';
    }
    return 'none';
  };
  expect.equal(
    codeOf(() => decodeTerminalFrameWithLength(cupPosSpec, SIGN_IN.subarray(0, 40))),
    'TRUNCATED',
  );
  expect.equal(
    codeOf(() => decodeTerminalFrameWithLength(cupPosSpec, Buffer.concat([SIGN_IN, Buffer.alloc(1)]))),
    'TRAILING_BYTES',
  );
  expect.equal(
    codeOf(() => decodeTerminalFrame(cupPosSpec, Buffer.alloc(10))),
    'TRUNCATED',
  );
  expect.equal(
    codeOf(() => decodeTerminalFrameWithLength(cupPosSpec, Buffer.alloc(1))),
    'TRUNCATED',
  );
});

test('network frames: length prefix, no TPDU, MAC input excludes field 128', () => {
  const message = {
    mti: '0800',
    fields: new Map<number, string | Buffer>([
      [7, '1122103015'],
      [11, '000001'],
      [70, '001'],
      [128, Buffer.from('0102030405060708', 'hex')],
    ]),
  };
  const frame = encodeNetworkFrame(cupNetworkSpec, message);
  expect.equal(frame.readUInt16BE(0), frame.length - 2);
  const decoded = decodeNetworkFrame(cupNetworkSpec, frame.subarray(2));
  expect.deepEqual(decoded.message, message);
  expect.deepEqual(decoded.macInput, frame.subarray(2, frame.length - 8));
  expect.deepEqual(new LengthPrefixedFrameReader().push(frame), [frame.subarray(2)]);
});

test('frames encode the same bytes from either message form, the MAC placeholder included', () => {
  const response = samplePurchaseResponse();
  const indexed = unpackIndexedMessage(cupPosSpec, packMessage(cupPosSpec, response));
  const mapFrame = encodeTerminalFrame(cupPosSpec, { tpdu: TPDU, header: HEADER, message: response });
  expect.deepEqual(encodeTerminalFrame(cupPosSpec, { tpdu: TPDU, header: HEADER, message: indexed }), mapFrame);
  const inputs: Buffer[] = [];
  const mac = (macInput: Buffer) => {
    inputs.push(Buffer.from(macInput));
    return Buffer.from('0102030405060708', 'hex');
  };
  // Field 64 is packed as zeros for the MAC input whether the message holds a MAC or not.
  indexed.fieldValues[64] = undefined;
  const fromIndexed = encodeTerminalFrameWithMac(cupPosSpec, { tpdu: TPDU, header: HEADER, message: indexed }, mac);
  const fromMap = encodeTerminalFrameWithMac(cupPosSpec, { tpdu: TPDU, header: HEADER, message: response }, mac);
  expect.deepEqual(fromIndexed, fromMap);
  expect.deepEqual(inputs[0], inputs[1]);
  expect.equal(indexed.fieldValues[64], undefined);
  const decoded = decodeTerminalFrameIndexed(cupPosSpec, fromIndexed.subarray(2));
  expect.equal((decoded.message.fieldValues[64] as Buffer).toString('hex'), '0102030405060708');
  expect.deepEqual(decoded.macInput, inputs[0]);
  // A value past the MAC field is still refused when the MAC is packed as zeros.
  const beyond: IndexedIsoMessage = { mti: '0210', fieldValues: [...indexed.fieldValues, 'x'] };
  expect.throws(
    () => encodeTerminalFrameWithMac(cupPosSpec, { tpdu: TPDU, header: HEADER, message: beyond }, mac),
    (error: unknown) => error instanceof IsoCodecError && error.code === 'UNKNOWN_FIELD' && error.fieldNumber === 65,
  );
  // A refused pack leaves the next frame intact: nothing of it stays in the shared buffer.
  indexed.fieldValues[11] = '12345';
  expect.throws(() => encodeTerminalFrame(cupPosSpec, { tpdu: TPDU, header: HEADER, message: indexed }), IsoCodecError);
  expect.deepEqual(encodeTerminalFrame(cupPosSpec, { tpdu: TPDU, header: HEADER, message: response }), mapFrame);
});

test('network frames decode to the same message in the indexed form', () => {
  const message = {
    mti: '0810',
    fields: new Map<number, string | Buffer>([
      [7, '1122103015'],
      [11, '000001'],
      [39, '00'],
      [70, '001'],
      [128, Buffer.from('0102030405060708', 'hex')],
    ]),
  };
  const frame = encodeNetworkFrame(cupNetworkSpec, message);
  const decoded = decodeNetworkFrameIndexed(cupNetworkSpec, frame.subarray(2));
  expect.equal(decoded.message.mti, '0810');
  expect.equal(decoded.message.fieldValues[7], '1122103015');
  expect.deepEqual(decoded.macInput, decodeNetworkFrame(cupNetworkSpec, frame.subarray(2)).macInput);
  expect.deepEqual(encodeNetworkFrame(cupNetworkSpec, decoded.message), frame);
});
