// Goal: the longest BIN prefix wins and unknown issuers are undefined; method: lookups against a small literal table.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { BinTable, defaultBinTable } from './index.ts';

test('the longest matching BIN wins', () => {
  const table = new BinTable([
    { bin: '622202', bankCode: '0102', bankName: 'A', cardType: 'debit' },
    { bin: '62220299', bankCode: '0102', bankName: 'A', cardType: 'credit' },
  ]);
  expect.equal(table.lookup('6222020000000000001')?.cardType, 'debit');
  expect.equal(table.lookup('6222029900000000001')?.cardType, 'credit');
  expect.equal(table.lookup('4111111111111111'), undefined);
  expect.equal(table.lookup('622202'), undefined);
});

test('the shipped table knows the network simulator ranges', () => {
  expect.equal(defaultBinTable.lookup('6217000000000000001')?.cardType, 'debit');
  expect.equal(defaultBinTable.lookup('6258000000000006')?.cardType, 'credit');
});

test('a table refuses malformed rows', () => {
  expect.throws(() => new BinTable([]));
  expect.throws(() => new BinTable([{ bin: '12', bankCode: '1', bankName: 'x', cardType: 'debit' }]));
});
