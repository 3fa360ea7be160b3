// Goal: the terminal context cache serves hits, expires, invalidates by event, refuses stale loads and stays bounded; method: a controlled clock and counting loaders.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { terminalContext } from '../../test/support/fakes.ts';
import type { TerminalContextLookup } from '../flows/ports.ts';
import { TerminalContextCache } from './terminal-context-cache.ts';

function counting(lookup: TerminalContextLookup) {
  const loader = {
    calls: 0,
    load: async () => {
      loader.calls += 1;
      return lookup;
    },
  };
  return loader;
}

test('hit, expiry after the TTL, and single flight for concurrent misses', async () => {
  let nowMs = 0;
  const cache = new TerminalContextCache({ entriesMax: 10, ttlMs: 1_000, nowMs: () => nowMs });
  const loader = counting({ kind: 'found', context: terminalContext() });
  await Promise.all([cache.get('T0000001', loader.load), cache.get('T0000001', loader.load)]);
  expect.equal(loader.calls, 1);
  nowMs = 999;
  await cache.get('T0000001', loader.load);
  expect.equal(loader.calls, 1);
  nowMs = 1_000;
  await cache.get('T0000001', loader.load);
  expect.equal(loader.calls, 2);
});

test('events invalidate a terminal or a whole merchant; a load older than the announced version is not cached', async () => {
  const cache = new TerminalContextCache({ entriesMax: 10, ttlMs: 60_000, nowMs: () => 0 });
  const old = counting({ kind: 'found', context: terminalContext({ contextVersion: 4n }) });
  await cache.get('T0000001', old.load);
  cache.invalidateTerminal('T0000001', 5n);
  await cache.get('T0000001', old.load);
  await cache.get('T0000001', old.load);
  expect.equal(old.calls, 3, 'a version-4 answer after a version-5 event is never cached');
  const fresh = counting({ kind: 'found', context: terminalContext({ contextVersion: 5n }) });
  await cache.get('T0000001', fresh.load);
  await cache.get('T0000001', fresh.load);
  expect.equal(fresh.calls, 1);
  expect.equal(cache.invalidateMerchant('mch_1'), 1);
  expect.equal(cache.invalidateMerchant('mch_1'), 0);
});

test('not-found answers are not cached and the size stays within its bound', async () => {
  const cache = new TerminalContextCache({ entriesMax: 2, ttlMs: 60_000, nowMs: () => 0 });
  const missing = counting({ kind: 'not_found' });
  await cache.get('T0000009', missing.load);
  await cache.get('T0000009', missing.load);
  expect.equal(missing.calls, 2);
  for (const terminalId of ['T0000001', 'T0000002', 'T0000003']) {
    await cache.get(terminalId, counting({ kind: 'found', context: terminalContext({ terminalId }) }).load);
  }
  expect.equal(cache.size, 2);
});
