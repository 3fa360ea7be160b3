// Goal: the load generator drives signed-in terminals at a target rate and reports what it saw;
// method: run it for a second against the bare responder over loopback.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { TerminalConnection, TerminalSimulator } from '@acq/terminal-protocol';
import { type LoadOptions, runLoad, startBareResponder } from './index.ts';

async function signedInTerminals(responderPort: number, tmkHex: string, count: number) {
  const terminals: TerminalSimulator[] = [];
  const connections: TerminalConnection[] = [];
  for (let index = 0; index < count; index++) {
    const connection = await TerminalConnection.open('127.0.0.1', responderPort);
    connections.push(connection);
    const terminal = new TerminalSimulator(
      connection,
      {
        terminalId: `B${String(index).padStart(7, '0')}`,
        merchantNumber: '898110153110001',
        tmkHex,
      },
      { timeoutMs: 2_000 },
    );
    expect.equal((await terminal.signIn()).responseCode, '00');
    terminals.push(terminal);
  }
  return { terminals, connections };
}

const CARDS = [{ pan: '6222021234567890128', expiryYymm: '2812', pin: '123456' }];

/** One second of open-loop load at `ratePerSecond` against the bare responder. */
async function openLoopSecond(
  terminalCount: number,
  ratePerSecond: number,
  shape: { warmupMs: number; mix: LoadOptions['mix'] },
) {
  const responder = await startBareResponder();
  const { terminals, connections } = await signedInTerminals(responder.port, responder.tmkHex, terminalCount);
  try {
    return await runLoad({
      terminals,
      cards: CARDS,
      mode: { kind: 'open', ratePerSecond },
      durationMs: 1_000,
      warmupMs: shape.warmupMs,
      mix: shape.mix,
      amountFenMin: 100,
      amountFenMax: 10_000,
    });
  } finally {
    for (const connection of connections) connection.close();
    await responder.close();
  }
}

test('open loop at 300/s for 1 s against the bare responder', async () => {
  const report = await openLoopSecond(8, 300, { warmupMs: 200, mix: { purchase: 80, balance: 10, void: 10 } });
  expect.ok(report.completed >= 250 && report.completed <= 330, `completed ${report.completed}`);
  expect.equal(report.responseCodes['00'], report.completed);
  expect.equal(report.timeouts, 0);
  expect.ok(report.latencyMs.p50 > 0 && report.latencyMs.p50 <= report.latencyMs.p99);
  expect.ok(report.approved.length > 0);
});

test('open loop sends each request when it is due, not one interval later', async () => {
  const intervalMs = 100;
  const report = await openLoopSecond(2, 1_000 / intervalMs, {
    warmupMs: 0,
    mix: { purchase: 1, balance: 0, void: 0 },
  });
  expect.ok(report.completed >= 9 && report.completed <= 11, `completed ${report.completed}`);
  // A loopback answer from the bare responder takes about a millisecond; half an interval is slack
  // for a busy machine, and a request sent one interval late would measure at least intervalMs.
  expect.ok(report.latencyMs.p50 < intervalMs / 2, `p50 ${report.latencyMs.p50} ms`);
});
