// Goal: the debug dump is safe to log. Method: the sample purchase's dump is compared with a
// golden text (moov-io style) and searched for any card data fragment.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { cupPosSpec, describeMessage, maskPan, samplePurchaseRequest } from './index.ts';

test('the purchase dump masks the PAN and hides track, PIN, expiry and EMV data', () => {
  const dump = describeMessage(cupPosSpec, samplePurchaseRequest());
  const lines = dump.split('\n');
  expect.equal(lines[0], 'cup-pos-v1 MTI 0200');
  expect.equal(lines[1], `F2   ${'Primary account number'.padEnd(48, '.')}: 622202****0123`);
  expect.ok(lines.some((line) => line.startsWith('F35 ') && line.endsWith(': [hidden, 37 characters]')));
  expect.ok(lines.some((line) => line.startsWith('F52 ') && line.endsWith(': [hidden, 8 bytes]')));
  expect.ok(lines.some((line) => line.startsWith('F14 ') && line.endsWith(': [hidden, 4 characters]')));
  expect.ok(lines.some((line) => line.startsWith('F55 ') && line.endsWith(': [hidden, 102 bytes]')));
  expect.ok(lines.some((line) => line.startsWith('F4  ') && line.endsWith(': 000000012345')));
  expect.ok(!dump.includes('6222021234567890123'));
  expect.ok(!dump.includes('1234567890'));
  expect.ok(!dump.includes('7D3A1F5B'));
});

test('short PAN-like values are fully masked', () => {
  expect.equal(maskPan('123456789'), '*********');
  expect.equal(maskPan('6222021234567890'), '622202****7890');
});
