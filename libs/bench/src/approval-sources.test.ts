// Goal: the verification reads every clearing date a run's approvals can carry (Asia/Shanghai, 23:00
// cut-off). Method: windows around midnight and the cut-off, in UTC instants.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { clearingDatesBetween } from './approval-sources.ts';

test('a daytime run reads its own date and, for the cut-off slack, nothing else', () => {
  // 10:00 to 10:05 Shanghai on 2026-11-22 (02:00 UTC).
  expect.deepEqual(clearingDatesBetween(Date.UTC(2026, 10, 22, 2, 0), Date.UTC(2026, 10, 22, 2, 5)), ['20261122']);
});

test('a run ending just before 23:00 Shanghai reads only its own date', () => {
  expect.deepEqual(clearingDatesBetween(Date.UTC(2026, 10, 22, 14, 30), Date.UTC(2026, 10, 22, 14, 40)), ['20261122']);
});

test('a run reaching 23:00 Shanghai also reads the next day', () => {
  // 22:50 to 23:10 Shanghai (14:50 UTC): approvals after 23:00 clear on the 23rd.
  expect.deepEqual(clearingDatesBetween(Date.UTC(2026, 10, 22, 14, 50), Date.UTC(2026, 10, 22, 15, 10)), [
    '20261122',
    '20261123',
  ]);
});

test('a run across Shanghai midnight reads both dates', () => {
  expect.deepEqual(clearingDatesBetween(Date.UTC(2026, 10, 22, 15, 50), Date.UTC(2026, 10, 22, 16, 10)), [
    '20261122',
    '20261123',
  ]);
});

test('a window that ends before it starts is a bug', () => {
  expect.throws(() => clearingDatesBetween(2, 1));
});
