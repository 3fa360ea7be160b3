// Goal: clearing files parse strictly and matching puts every item in exactly one category; method: a literal network-sim style file with long, short and mismatched items.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { fen } from '@acq/money';
import { NetworkFileError, parseClearingFile, parseDisputeFile } from './network-files.ts';
import { matchClearing } from './reconciliation.ts';

const FILE = [
  'H|CLEARING|20260302|48020000|4',
  '#D|seq|type|direction|terminalId|merchantId|stan|transmissionDateTime|rrn|authCode|amountFen|panMasked|cardKind|originalRrn',
  'D|1|PURCHASE|D|T0000001|898310058120001|000001|0302100000|000000000001|123456|10000|621700*********0001|debit|',
  'D|2|PURCHASE|D|T0000001|898310058120001|000002|0302100100|000000000002|123457|20001|621700*********0001|debit|',
  'D|3|VOID|C|T0000001|898310058120001|000003|0302100200|000000000003|123458|10000|621700*********0001|debit|000000000001',
  'D|4|PURCHASE|D|T0000009|898310058120009|000009|0000000000|999999999999|999999|777|621700*********0000|debit|',
  'T|4|30778|10000',
  '',
].join('\n');

test('parses a clearing file and checks its trailer', () => {
  const file = parseClearingFile(FILE);
  expect.equal(file.clearingDate, '2026-03-02');
  expect.equal(file.lines.length, 4);
  expect.equal(file.lines[2]?.direction, 'C');
  expect.throws(() => parseClearingFile(FILE.replace('T|4|30778|10000', 'T|4|30779|10000')), NetworkFileError);
  expect.throws(() => parseClearingFile(FILE.replace('|10000|621700', '|-5|621700')), NetworkFileError);
  expect.throws(() => parseClearingFile('H|DISPUTES|20260302|0\nT|0|0\n'), NetworkFileError);
});

test('matching finds matched, platform-only, network-only and mismatched items', () => {
  const file = parseClearingFile(FILE);
  const platform = [
    { txnId: 't1', merchantId: 'm1', kind: 'PURCHASE', rrn: '000000000001', amountFen: fen(10000) },
    { txnId: 't2', merchantId: 'm1', kind: 'PURCHASE', rrn: '000000000002', amountFen: fen(20000) },
    { txnId: 't3', merchantId: 'm1', kind: 'VOID', rrn: '000000000003', amountFen: fen(10000) },
    { txnId: 't4', merchantId: 'm1', kind: 'PURCHASE', rrn: '000000000004', amountFen: fen(5000) },
  ];
  const result = matchClearing(platform, file.lines);
  expect.deepEqual(
    result.matched.map((item) => item.platform.txnId),
    ['t1', 't3'],
  );
  expect.deepEqual(
    result.amountMismatch.map((item) => item.platform.txnId),
    ['t2'],
  );
  expect.deepEqual(
    result.platformOnly.map((item) => item.txnId),
    ['t4'],
  );
  expect.deepEqual(
    result.networkOnly.map((line) => line.rrn),
    ['999999999999'],
  );
});

test('parses a dispute file', () => {
  const text = [
    'H|DISPUTES|20260305|1',
    '#D|disputeId|kind|reasonCode|terminalId|merchantId|stan|transmissionDateTime|rrn|authCode|originalClearingDate|originalAmountFen|amountFen',
    'D|dsp_1|CHARGEBACK|4837|T0000001|898310058120001|000001|0302100000|000000000001|123456|20260302|10000|10000',
    'T|1|10000',
  ].join('\n');
  const file = parseDisputeFile(text);
  expect.equal(file.disputeDate, '2026-03-05');
  expect.deepEqual(file.lines[0]?.amountFen, 10000n);
  expect.throws(() => parseDisputeFile(text.replace('T|1|10000', 'T|1|9999')), NetworkFileError);
});
