// Goal: the typed views of fields 60, 61, 48, 54 and 62 parse what terminals send and build what
// they expect, and refuse malformed values with BAD_SUBFIELD. Method: literal wire values from the
// golden captures and hand-built layouts, parsed, rebuilt and compared; boundaries on both sides.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import {
  buildBalance54,
  buildField60,
  buildField61,
  buildSettlementTotals48,
  buildSignInKeys62,
  IsoCodecError,
  parseBalance54,
  parseField60,
  parseField61,
  parseSettlementTotals48,
  parseSignInKeys62,
  signInKeys62Bytes,
} from '../index.ts';

const isSubfieldError = (fieldNumber: number) => (error: unknown) =>
  error instanceof IsoCodecError && error.code === 'BAD_SUBFIELD' && error.fieldNumber === fieldNumber;

test('field 60: sign-in and purchase layouts round-trip', () => {
  // From the published sign-in captures in testdata: 60 = 00 000001 001.
  expect.deepEqual(parseField60('00000001001'), {
    transactionTypeCode: '00',
    batchNumber: '000001',
    networkManagementCode: '001',
    terminalReadCapability: '',
    icConditionCode: '',
    partialApprovalCode: '',
    rest: '',
  });
  const purchase = parseField60('22000123000500123');
  expect.equal(purchase.transactionTypeCode, '22');
  expect.equal(purchase.batchNumber, '000123');
  expect.equal(purchase.networkManagementCode, '000');
  expect.equal(purchase.terminalReadCapability, '5');
  expect.equal(purchase.icConditionCode, '0');
  expect.equal(purchase.partialApprovalCode, '0');
  expect.equal(purchase.rest, '123');
  expect.equal(buildField60(purchase), '22000123000500123');
  expect.equal(
    buildField60({ transactionTypeCode: '00', batchNumber: '000001', networkManagementCode: '003' }),
    '00000001003',
  );
  expect.equal(buildField60({ transactionTypeCode: '22', batchNumber: '000001' }), '22000001000');
  // 60.1 + 60.2 only (8 digits) is what some vendors send.
  expect.equal(parseField60('01000000').networkManagementCode, '');
});

test('field 60: malformed values are refused', () => {
  expect.throws(() => parseField60('0100000'), isSubfieldError(60));
  expect.throws(() => parseField60('010000000'), isSubfieldError(60));
  expect.throws(() => parseField60('0'.repeat(31)), isSubfieldError(60));
  expect.throws(() => parseField60('01000000A01'), isSubfieldError(60));
  expect.throws(() => buildField60({ transactionTypeCode: '2', batchNumber: '000001' }), isSubfieldError(60));
  expect.throws(
    () => buildField60({ transactionTypeCode: '22', batchNumber: '000001', icConditionCode: '1' }),
    isSubfieldError(60),
  );
  expect.throws(
    () => buildField60({ transactionTypeCode: '22', batchNumber: '000001', terminalReadCapability: '12' }),
    isSubfieldError(60),
  );
});

test('field 61: void (no date) and refund (with date) layouts', () => {
  expect.deepEqual(parseField61('000001000123'), {
    originalBatchNumber: '000001',
    originalTrace: '000123',
    originalDate: '',
    rest: '',
  });
  const refund = parseField61('0000010001231122');
  expect.equal(refund.originalDate, '1122');
  expect.equal(buildField61(refund), '0000010001231122');
  expect.equal(
    buildField61({
      originalBatchNumber: '000001',
      originalTrace: '000123',
      originalDate: '1122',
      rest: '0012345678901',
    }).length,
    29,
  );
  expect.throws(() => parseField61('00000100012'), isSubfieldError(61));
  expect.throws(() => parseField61('00000100012311'), isSubfieldError(61));
  expect.throws(
    () => buildField61({ originalBatchNumber: '000001', originalTrace: '000123', rest: '1' }),
    isSubfieldError(61),
  );
  expect.throws(
    () =>
      buildField61({
        originalBatchNumber: '000001',
        originalTrace: '000123',
        originalDate: '1122',
        rest: '00123456789012',
      }),
    isSubfieldError(61),
  );
});

test('field 48: settlement totals, domestic only and with foreign cards', () => {
  const domestic = {
    debitAmountFen: fen(1234567),
    debitCount: 12,
    creditAmountFen: fen(5000),
    creditCount: 1,
    resultCode: '0',
  };
  const text = buildSettlementTotals48({ domestic });
  expect.equal(text, '000001234567012000000005000001' + '0');
  expect.deepEqual(parseSettlementTotals48(text), { domestic });
  const both = {
    domestic,
    foreign: { ...domestic, debitCount: 999, debitAmountFen: fen(999_999_999_999n), resultCode: '1' },
  };
  expect.equal(buildSettlementTotals48(both).length, 62);
  expect.deepEqual(parseSettlementTotals48(buildSettlementTotals48(both)), both);
  expect.throws(() => buildSettlementTotals48({ domestic: { ...domestic, debitCount: 1000 } }), isSubfieldError(48));
  expect.throws(
    () => buildSettlementTotals48({ domestic: { ...domestic, debitAmountFen: fen(1_000_000_000_000n) } }),
    isSubfieldError(48),
  );
  expect.throws(
    () => buildSettlementTotals48({ domestic: { ...domestic, creditAmountFen: fen(-1) } }),
    isSubfieldError(48),
  );
  expect.throws(() => parseSettlementTotals48(text.slice(1)), isSubfieldError(48));
  expect.throws(() => parseSettlementTotals48(`${text.slice(0, 30)}X`), isSubfieldError(48));
});

test('field 54: balance entries with sign', () => {
  const entries = [{ accountType: '10', amountType: '02', currencyCode: '156', amountFen: fen(123456) }];
  expect.equal(buildBalance54(entries), '1002156C000000123456');
  expect.deepEqual(parseBalance54('1002156C000000123456'), entries);
  expect.equal(parseBalance54('1001156D000000000100')[0]?.amountFen, -100n);
  expect.equal(
    buildBalance54([{ ...entries[0], amountFen: fen(-100) } as (typeof entries)[0]]),
    '1002156D000000000100',
  );
  expect.throws(() => parseBalance54('1002156X000000123456'), isSubfieldError(54));
  expect.throws(() => parseBalance54('1002156C00000012345'), isSubfieldError(54));
  expect.throws(() => parseBalance54('1002156C000000123456'.repeat(7)), isSubfieldError(54));
  expect.throws(() => buildBalance54([]), isSubfieldError(54));
});

test('field 62: sign-in key layouts for 001, 003 and 004', () => {
  expect.equal(signInKeys62Bytes('001'), 24);
  expect.equal(signInKeys62Bytes('003'), 40);
  expect.equal(signInKeys62Bytes('004'), 60);
  const keys = {
    pinKeyUnderTmk: Buffer.alloc(16, 0x11),
    pinKeyCheckValue: Buffer.alloc(4, 0x22),
    macKeyUnderTmk: Buffer.alloc(8, 0x33),
    macKeyCheckValue: Buffer.alloc(4, 0x44),
  };
  const field62 = buildSignInKeys62(keys, '003');
  expect.equal(
    field62.toString('hex'),
    `${'11'.repeat(16)}${'22'.repeat(4)}${'33'.repeat(8)}${'00'.repeat(8)}${'44'.repeat(4)}`,
  );
  expect.deepEqual(parseSignInKeys62(field62, '003'), keys);
  const withTrack = { ...keys, trackKeyUnderTmk: Buffer.alloc(16, 0x55), trackKeyCheckValue: Buffer.alloc(4, 0x66) };
  expect.deepEqual(parseSignInKeys62(buildSignInKeys62(withTrack, '004'), '004'), withTrack);
  const single = { ...keys, pinKeyUnderTmk: Buffer.alloc(8, 0x11) };
  expect.deepEqual(parseSignInKeys62(buildSignInKeys62(single, '001'), '001'), single);
  expect.throws(() => parseSignInKeys62(field62.subarray(1), '003'), isSubfieldError(62));
  const dirtySlot = Buffer.from(field62);
  dirtySlot[30] = 1;
  expect.throws(() => parseSignInKeys62(dirtySlot, '003'), isSubfieldError(62));
  expect.throws(() => buildSignInKeys62(withTrack, '003'), isSubfieldError(62));
  expect.throws(() => buildSignInKeys62(keys, '001'), isSubfieldError(62));
});

test('field 62 of the published 003 sign-in response parses into keys and check values', () => {
  // testdata/cup-pos/signin-0810-triple-des: a published 0810 capture (easy8583 projects on GitHub).
  const field62 = Buffer.from(
    '46F161A743497B32EAC760DF5EA57DF5900ECCE3977731A7EA402DDF0000000000000000CFF1592A',
    'hex',
  );
  const keys = parseSignInKeys62(field62, '003');
  expect.equal(keys.pinKeyUnderTmk.toString('hex').toUpperCase(), '46F161A743497B32EAC760DF5EA57DF5');
  expect.equal(keys.pinKeyCheckValue.toString('hex').toUpperCase(), '900ECCE3');
  expect.equal(keys.macKeyUnderTmk.toString('hex').toUpperCase(), '977731A7EA402DDF');
  expect.equal(keys.macKeyCheckValue.toString('hex').toUpperCase(), 'CFF1592A');
  expect.deepEqual(buildSignInKeys62(keys, '003'), field62);
  expect.equal(parseField60('00000519003').networkManagementCode, '003');
});
