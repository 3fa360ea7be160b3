// Goal: a deadline that expires while the event loop was blocked still takes an answer that already
// arrived; method: a stand-in stream whose answers travel through a MessageChannel (delivered by
// the poll phase, like socket data), and a synchronous block longer than the deadline.
import { strict as expect } from 'node:assert';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { StreamMultiplexer, StreamOutcomeUnknownError } from '../src/index.ts';

interface Echo {
  id: string;
}

/** A duplex stand-in: every written request is answered at once through a message port. */
function echoingStream(answering: boolean) {
  const channel = new MessageChannel();
  const stream = new EventEmitter() as EventEmitter & { write(request: Echo): boolean; end(): void };
  channel.port2.on('message', (answer: Echo) => stream.emit('data', answer));
  stream.write = (request) => {
    if (answering) channel.port1.postMessage(request);
    return true;
  };
  stream.end = () => {
    channel.port1.close();
    channel.port2.close();
  };
  return stream;
}

function blockEventLoop(durationMs: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, durationMs);
}

function multiplexer(answering: boolean) {
  return new StreamMultiplexer<Echo, Echo>({
    open: () => echoingStream(answering) as never,
    correlationIdOf: (response) => response.id,
    inFlightMax: 10,
    streamCount: 1,
    reconnectDelayMsMin: 10,
    reconnectDelayMsMax: 100,
  });
}

test('an answer waiting when a blocked event loop resumes wins over its expired deadline', async () => {
  const streams = multiplexer(true);
  try {
    const answer = streams.request('late-loop', { id: 'late-loop' }, 20);
    blockEventLoop(60);
    expect.deepEqual(await answer, { id: 'late-loop' });
    expect.equal(streams.inFlight, 0);
  } finally {
    streams.close();
  }
});

test('without an answer the deadline still rejects and frees the slot', async () => {
  const streams = multiplexer(false);
  try {
    const startedAt = performance.now();
    await expect.rejects(streams.request('silent', { id: 'silent' }, 20), StreamOutcomeUnknownError);
    expect.ok(performance.now() - startedAt >= 19, 'not before the deadline');
    expect.equal(streams.inFlight, 0);
  } finally {
    streams.close();
  }
});
