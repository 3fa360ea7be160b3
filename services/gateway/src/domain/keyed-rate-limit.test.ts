// Goal: the keyed token bucket (per terminal on TCP, per token subject over HTTP) lets a burst
// through, then only the sustained rate, says how long to wait, keeps keys apart, and forgets the
// least recently seen key at its bound. Method: a pinned clock.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { KeyedRateLimit } from './keyed-rate-limit.ts';

const taken = (waitMs: number) => waitMs === 0;

test('a burst passes, the next request is refused, and tokens come back at the sustained rate', () => {
  const limit = new KeyedRateLimit({ requestsPerSecond: 10, burst: 3, keysMax: 10 });
  expect.deepEqual(
    [0, 0, 0, 0].map(() => taken(limit.take('T1', 1_000))),
    [true, true, true, false],
  );
  expect.equal(limit.take('T1', 1_050), 50, 'half a token after 50 ms: the other half takes 50 ms more');
  expect.equal(limit.take('T1', 1_100), 0, 'one token after 100 ms at 10/s');
  expect.equal(limit.take('T1', 1_100), 100, 'an empty bucket at 10/s: one token in 100 ms');
  expect.equal(limit.take('T2', 1_100), 0, 'another key has its own bucket');
});

test('the wait is rounded up to whole milliseconds and is never 0 for a refusal', () => {
  const limit = new KeyedRateLimit({ requestsPerSecond: 3, burst: 1, keysMax: 10 });
  expect.equal(limit.take('K', 0), 0);
  expect.equal(limit.take('K', 0), 334, '1/3 s rounded up');
  expect.equal(limit.take('K', 333), 1, 'a sliver of a token is still missing');
  expect.equal(limit.take('K', 334), 0);
});

test('a quiet key refills only up to the burst', () => {
  const limit = new KeyedRateLimit({ requestsPerSecond: 100, burst: 2, keysMax: 10 });
  expect.equal(limit.take('T1', 0), 0);
  const afterAnHour = [0, 0, 0].map(() => taken(limit.take('T1', 3_600_000)));
  expect.deepEqual(afterAnHour, [true, true, false]);
});

test('past the bound the least recently seen key is forgotten (and starts with a full bucket)', () => {
  const limit = new KeyedRateLimit({ requestsPerSecond: 1, burst: 1, keysMax: 2 });
  expect.equal(taken(limit.take('A', 0)), true);
  expect.equal(taken(limit.take('B', 0)), true);
  expect.equal(taken(limit.take('A', 0)), false, 'A is now the most recently seen');
  expect.equal(taken(limit.take('C', 0)), true, 'C evicts B');
  expect.equal(limit.trackedKeys, 2);
  expect.equal(taken(limit.take('B', 0)), true, 'B was forgotten, so it starts again with a full bucket');
  expect.equal(taken(limit.take('C', 0)), false, 'B evicted A, the least recently seen; C keeps its empty bucket');
});
