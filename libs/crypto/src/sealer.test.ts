// Goal: sealed values open only with the same key and purpose, and never contain the clear text; method: round trips and tampering.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { createSealer } from './sealer.ts';

const masterKey = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');

test('round trip, purpose binding, other keys and tampering', () => {
  const sealer = createSealer({ masterKey, keyLabel: 'acq/test/seal' });
  const sealed = sealer.seal('6222021234567890128', 'account-number');
  expect.ok(!sealed.includes('6222021234567890128'));
  expect.notEqual(sealer.seal('6222021234567890128', 'account-number'), sealed, 'a fresh nonce every time');
  expect.equal(sealer.open(sealed, 'account-number'), '6222021234567890128');
  expect.throws(() => sealer.open(sealed, 'phone'));
  expect.throws(() => createSealer({ masterKey, keyLabel: 'acq/other/seal' }).open(sealed, 'account-number'));
  const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}${sealed.slice(-1)}`;
  expect.throws(() => sealer.open(tampered, 'account-number'));
  expect.throws(() =>
    createSealer({ masterKey, keyLabel: 'acq/test/seal', versionTag: 's1' }).open(sealed, 'account-number'),
  );
});
