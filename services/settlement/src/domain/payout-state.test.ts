// Goal: the payout state machine never releases money the bank might still pay and bounds retries and queries; method: decision tables.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { PAYOUT_QUERY_COUNT_MAX, T0_PAYOUT_ATTEMPT_COUNT_MAX } from '../limits.ts';
import { decideAfterQuery, decideAfterSubmit, retryDelayMs } from './payout-state.ts';

const first = { kind: 't0', attempt: 1, queryCount: 0 } as const;
const last = { kind: 't0', attempt: T0_PAYOUT_ATTEMPT_COUNT_MAX, queryCount: 0 } as const;

test('accepted and unknown submissions are queried, never released', () => {
  expect.equal(decideAfterSubmit(first, { kind: 'accepted' }).next, 'submitted');
  expect.equal(decideAfterSubmit(first, { kind: 'unknown', reason: 'TIMEOUT' }).next, 'submitted');
  expect.equal(decideAfterSubmit(last, { kind: 'unknown', reason: 'TIMEOUT' }).next, 'submitted');
});

test('a definite rejection retries until the attempts run out, then fails', () => {
  expect.equal(decideAfterSubmit(first, { kind: 'rejected', reason: 'ACCOUNT_FROZEN' }).next, 'retry_wait');
  expect.deepEqual(decideAfterSubmit(last, { kind: 'rejected', reason: 'ACCOUNT_FROZEN' }), {
    next: 'failed',
    reason: 'ACCOUNT_FROZEN',
  });
  expect.equal(decideAfterQuery(last, { kind: 'failed', reason: 'X' }).next, 'failed');
});

test('queries: success, resubmit when never received, stuck when never resolved', () => {
  expect.equal(decideAfterQuery(first, { kind: 'succeeded' }).next, 'succeeded');
  expect.deepEqual(decideAfterQuery(first, { kind: 'not_found' }), { next: 'resubmit', queryCount: 1 });
  const nearLimit = { ...first, queryCount: PAYOUT_QUERY_COUNT_MAX - 1 };
  expect.equal(decideAfterQuery(nearLimit, { kind: 'processing' }).next, 'stuck');
  expect.equal(decideAfterQuery(nearLimit, { kind: 'unknown', reason: 'TIMEOUT' }).next, 'stuck');
  expect.equal(decideAfterQuery(nearLimit, { kind: 'not_found' }).next, 'retry_wait');
  expect.equal(
    decideAfterQuery({ ...first, queryCount: PAYOUT_QUERY_COUNT_MAX - 2 }, { kind: 'processing' }).next,
    'submitted',
  );
});

test('retry delays grow and are capped', () => {
  expect.equal(retryDelayMs(1), 500);
  expect.equal(retryDelayMs(2), 1000);
  expect.equal(retryDelayMs(40), 30_000);
  expect.throws(() => retryDelayMs(0));
});
