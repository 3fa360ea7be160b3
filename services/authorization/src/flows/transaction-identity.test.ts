// Goal: transaction ids are time-ordered and unique across refills of the random pool; RRNs are
// 12 digits and unique within a burst; method: many ids at one instant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransactionIdentities } from './transaction-identity.ts';

test('transaction ids keep their shape and never repeat across random pool refills', () => {
  const identities = new TransactionIdentities(7);
  const nowMs = Date.UTC(2026, 10, 22, 6, 0, 0);
  const ids = Array.from({ length: 2_000 }, () => identities.nextTxnId(nowMs));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^auth_[0-9a-z]{9}[0-9a-f]{16}$/);
  assert.ok(identities.nextTxnId(nowMs + 1) > identities.nextTxnId(nowMs), 'ids sort by time');
});

test('RRNs of one burst are 12 digits, unique, and carry the instance id', () => {
  const identities = new TransactionIdentities(7);
  const nowMs = Date.UTC(2026, 10, 22, 6, 0, 0);
  const rrns = Array.from({ length: 12_000 }, () => identities.nextRrn(nowMs));
  assert.equal(new Set(rrns).size, rrns.length);
  for (const rrn of rrns) assert.match(rrn, /^07[0-9]{10}$/);
});
