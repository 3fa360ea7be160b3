// Goal: the load generator drives signed-in terminals at a target rate and reports what it saw;
// method: run it for a second against the bare responder over loopback.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { TerminalConnection, TerminalSimulator } from '@acq/terminal-protocol';
import { runLoad, startBareResponder } from './index.ts';

test('open loop at 300/s for 1 s against the bare responder', async () => {
  const responder = await startBareResponder();
  const terminals: TerminalSimulator[] = [];
  const connections: TerminalConnection[] = [];
  for (let index = 0; index < 8; index++) {
    const connection = await TerminalConnection.open('127.0.0.1', responder.port);
    connections.push(connection);
    const terminal = new TerminalSimulator(
      connection,
      {
        terminalId: `B${String(index).padStart(7, '0')}`,
        merchantNumber: '898110153110001',
        tmkHex: responder.tmkHex,
      },
      { timeoutMs: 2_000 },
    );
    expect.equal((await terminal.signIn()).responseCode, '00');
    terminals.push(terminal);
  }
  const report = await runLoad({
    terminals,
    cards: [{ pan: '6222021234567890128', expiryYymm: '2812', pin: '123456' }],
    mode: { kind: 'open', ratePerSecond: 300 },
    durationMs: 1_000,
    warmupMs: 200,
    mix: { purchase: 80, balance: 10, void: 10 },
    amountFenMin: 100,
    amountFenMax: 10_000,
  });
  expect.ok(report.completed >= 250 && report.completed <= 330, `completed ${report.completed}`);
  expect.equal(report.responseCodes['00'], report.completed);
  expect.equal(report.timeouts, 0);
  expect.ok(report.latencyMs.p50 > 0 && report.latencyMs.p50 <= report.latencyMs.p99);
  expect.ok(report.approved.length > 0);
  for (const connection of connections) connection.close();
  await responder.close();
});
