// Goal: the bench's verification finds every lost, duplicated, unknown and mismatched approval.
// Method: hand-built approval lists on both sides, checking the counts, the examples and the verdict.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import {
  type ApprovalKey,
  compareApprovals,
  VERIFICATION_EXAMPLES_MAX,
  verificationPassed,
} from './approval-verification.ts';

const approval = (terminalId: string, rrn: string, authCode = 'A00001'): ApprovalKey => ({ terminalId, rrn, authCode });

test('identical sides match completely and pass', () => {
  const approvals = [approval('10000001', '112200000001'), approval('10000002', '112200000001')];
  const side = compareApprovals(approvals, [...approvals].reverse());
  expect.equal(side.matched, 2);
  expect.deepEqual([side.lostCount, side.duplicatedCount, side.unknownCount, side.authCodeMismatchCount], [0, 0, 0, 0]);
  expect.equal(verificationPassed([side]), true);
});

test('an approval absent on the other side is lost and fails the run', () => {
  const side = compareApprovals([approval('10000001', '1'), approval('10000001', '2')], [approval('10000001', '1')]);
  expect.equal(side.lostCount, 1);
  expect.deepEqual(side.lost, [approval('10000001', '2')]);
  expect.equal(verificationPassed([side]), false);
});

test('the same RRN on another terminal is a different approval', () => {
  const side = compareApprovals([approval('10000001', '7')], [approval('10000002', '7')]);
  expect.equal(side.lostCount, 1);
  expect.equal(side.unknownCount, 1);
});

test('an approval recorded twice on the other side is duplicated and fails the run', () => {
  const side = compareApprovals([approval('10000001', '1')], [approval('10000001', '1'), approval('10000001', '1')]);
  expect.equal(side.duplicatedCount, 1);
  expect.equal(side.lostCount, 0);
  expect.equal(verificationPassed([side]), false);
});

test('two terminal approvals under one key are duplicated too', () => {
  const side = compareApprovals([approval('10000001', '1'), approval('10000001', '1')], [approval('10000001', '1')]);
  expect.equal(side.duplicatedCount, 1);
  expect.equal(verificationPassed([side]), false);
});

test('approvals only on the other side are unknown, reported but not a failure', () => {
  const side = compareApprovals([approval('10000001', '1')], [approval('10000001', '1'), approval('10000001', '9')]);
  expect.equal(side.unknownCount, 1);
  expect.deepEqual(side.unknown, [approval('10000001', '9')]);
  expect.equal(verificationPassed([side]), true);
});

test('a different auth code under the same key is counted as a mismatch', () => {
  const side = compareApprovals([approval('10000001', '1', 'A00001')], [approval('10000001', '1', 'B00002')]);
  expect.equal(side.matched, 1);
  expect.equal(side.authCodeMismatchCount, 1);
});

test('examples stop at the cap while the counts stay exact', () => {
  const expected = Array.from({ length: VERIFICATION_EXAMPLES_MAX + 5 }, (_, index) =>
    approval('10000001', String(index)),
  );
  const side = compareApprovals(expected, []);
  expect.equal(side.lostCount, VERIFICATION_EXAMPLES_MAX + 5);
  expect.equal(side.lost.length, VERIFICATION_EXAMPLES_MAX);
});

test('a run passes only when every side passes', () => {
  const good = compareApprovals([approval('10000001', '1')], [approval('10000001', '1')]);
  const bad = compareApprovals([approval('10000001', '1')], []);
  expect.equal(verificationPassed([good, bad]), false);
  expect.equal(verificationPassed([]), true);
});
