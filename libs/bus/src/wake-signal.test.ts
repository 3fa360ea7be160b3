// Goal: a wake-one signal hands each notification to a single waiter and remembers one that came
// while nobody waited; the default wakes every waiter; method: waits raced against short timeouts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WakeSignal } from './wake-signal.ts';

const LONG_WAIT_MS = 5_000;

async function settledWithin(waits: readonly Promise<void>[], ms: number): Promise<number> {
  let settled = 0;
  for (const wait of waits) void wait.then(() => settled++);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

test('wakes one waiter per notification when asked to', async () => {
  const wake = new WakeSignal({ wakes: 'one' });
  const stop = new AbortController();
  const waits = [wake.wait(LONG_WAIT_MS, stop.signal), wake.wait(LONG_WAIT_MS, stop.signal)];
  wake.notify();
  assert.equal(await settledWithin(waits, 20), 1);
  wake.notify();
  assert.equal(await settledWithin(waits, 20), 2);
});

test('a notification while nobody waits ends the next wait at once', async () => {
  const wake = new WakeSignal({ wakes: 'one' });
  const stop = new AbortController();
  wake.notify();
  assert.equal(await settledWithin([wake.wait(LONG_WAIT_MS, stop.signal)], 5), 1);
  const later = wake.wait(LONG_WAIT_MS, stop.signal);
  assert.equal(await settledWithin([later], 20), 0, 'the remembered notification was used once');
  stop.abort();
  await later;
});

test('by default a notification wakes every waiter', async () => {
  const wake = new WakeSignal();
  const stop = new AbortController();
  const waits = [wake.wait(LONG_WAIT_MS, stop.signal), wake.wait(LONG_WAIT_MS, stop.signal)];
  wake.notify();
  assert.equal(await settledWithin(waits, 20), 2);
});

test('while held, notifications wake nobody but still count in generation', async () => {
  const wake = new WakeSignal({ wakes: 'one' });
  const stop = new AbortController();
  const release = wake.hold();
  const waiting = wake.wait(LONG_WAIT_MS, stop.signal);
  const generationBefore = wake.generation;
  wake.notify();
  assert.equal(await settledWithin([waiting], 20), 0, 'the holder covers this notification');
  assert.equal(wake.generation, generationBefore + 1);
  release();
  assert.throws(() => release(), /released once/);
  wake.notify();
  assert.equal(await settledWithin([waiting], 20), 1);
});
