// Goal: the per-terminal token bucket lets a burst through, then only the sustained rate, keeps
// terminals apart, and forgets the least recently seen terminal at its bound. Method: a pinned clock.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { TerminalRateLimit } from './terminal-rate-limit.ts';

test('a burst passes, the next request is refused, and tokens come back at the sustained rate', () => {
  const limit = new TerminalRateLimit({ requestsPerSecond: 10, burst: 3, terminalsMax: 10 });
  expect.deepEqual(
    [0, 0, 0, 0].map(() => limit.tryTake('T1', 1_000)),
    [true, true, true, false],
  );
  expect.equal(limit.tryTake('T1', 1_050), false, 'half a token after 50 ms is not enough');
  expect.equal(limit.tryTake('T1', 1_100), true, 'one token after 100 ms at 10/s');
  expect.equal(limit.tryTake('T1', 1_100), false);
  expect.equal(limit.tryTake('T2', 1_100), true, 'another terminal has its own bucket');
});

test('a quiet terminal refills only up to the burst', () => {
  const limit = new TerminalRateLimit({ requestsPerSecond: 100, burst: 2, terminalsMax: 10 });
  expect.equal(limit.tryTake('T1', 0), true);
  const afterAnHour = [0, 0, 0].map(() => limit.tryTake('T1', 3_600_000));
  expect.deepEqual(afterAnHour, [true, true, false]);
});

test('past the bound the least recently seen terminal is forgotten (and starts with a full bucket)', () => {
  const limit = new TerminalRateLimit({ requestsPerSecond: 1, burst: 1, terminalsMax: 2 });
  expect.equal(limit.tryTake('A', 0), true);
  expect.equal(limit.tryTake('B', 0), true);
  expect.equal(limit.tryTake('A', 0), false, 'A is now the most recently seen');
  expect.equal(limit.tryTake('C', 0), true, 'C evicts B');
  expect.equal(limit.trackedTerminals, 2);
  expect.equal(limit.tryTake('B', 0), true, 'B was forgotten, so it starts again with a full bucket');
  expect.equal(limit.tryTake('C', 0), false, 'B evicted A, the least recently seen; C keeps its empty bucket');
});
