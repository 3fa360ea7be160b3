// Goal: the written down/slow policy holds (limits fail closed with 96, pattern watch fails open with
// a flag); method: the Assess flow against a Redis that never answers and one that is not there.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { assessTransaction } from '../src/flows/assess.ts';
import { RedisCounters } from '../src/store/redis-counters.ts';
import { createRig, purchaseInput, type TestRig, uniquePrefix } from './fixtures.ts';

/** A TCP server that accepts connections and never replies: Redis that is alive but too slow. */
async function startSilentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port, sockets };
}

function ruleNames(outcome: { firedRules: { rule: string }[] }): string[] {
  return outcome.firedRules.map((firing) => firing.rule);
}

describe('risk is slow (Redis never answers)', () => {
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let rig: TestRig;
  before(async () => {
    silent = await startSilentServer();
    // Without the ready check the socket counts as usable at once, so commands are written and
    // sit unanswered: the budget, not a connection error, has to end the wait.
    const redis = new Redis({
      host: '127.0.0.1',
      port: silent.port,
      enableReadyCheck: false,
      enableAutoPipelining: true,
      commandTimeout: 1_000,
      maxRetriesPerRequest: 0,
    });
    rig = await createRig({ redis, skipReady: true });
    await once(redis, 'ready');
  });
  after(async () => {
    await rig.close();
    for (const socket of silent.sockets) socket.destroy();
    silent.server.close();
  });

  it('declines a purchase with 96 within the budget (limits fail closed)', async () => {
    const startedAt = performance.now();
    const outcome = await assessTransaction(rig.deps, purchaseInput(), 20);
    const elapsedMs = performance.now() - startedAt;
    assert.equal(outcome.decision, 'decline');
    assert.equal(outcome.responseCode, '96');
    assert.deepEqual(ruleNames(outcome), ['limit.unavailable', 'pattern.watch.unavailable']);
    assert.equal(outcome.reservationId, '');
    assert.ok(elapsedMs >= 19 && elapsedMs < 200, `answered in ${elapsedMs} ms`);
    assert.match(outcome.firedRules[0]?.reason ?? '', /RISK_BUDGET_EXCEEDED/);
  });

  it('approves and flags a refund (no limits; the pattern watch list fails open)', async () => {
    const outcome = await assessTransaction(rig.deps, purchaseInput({ kind: 'refund' }), 20);
    assert.equal(outcome.decision, 'approve_and_flag');
    assert.equal(outcome.responseCode, '00');
    assert.deepEqual(ruleNames(outcome), ['pattern.watch.unavailable']);
  });
});

describe('risk store is down (nothing listening)', () => {
  let rig: TestRig;
  before(async () => {
    const probe = await startSilentServer();
    probe.server.close();
    await once(probe.server, 'close');
    rig = await createRig({ redisUrl: `redis://127.0.0.1:${probe.port}`, skipReady: true });
  });
  after(async () => rig.close());

  it('declines pre-auth with 96 and still hands the assessment to the monitor', async () => {
    const outcome = await assessTransaction(rig.deps, purchaseInput({ kind: 'preauth' }), 20);
    assert.equal(outcome.responseCode, '96');
    assert.ok(ruleNames(outcome).includes('limit.unavailable'));
    assert.equal(rig.recorded.length, 1);
  });

  it('still applies in-memory rules first: a forged merchant number declines 03, not 96', async () => {
    const outcome = await assessTransaction(
      rig.deps,
      purchaseInput({ merchantNumberFromTerminal: '898581058120001' }),
      20,
    );
    assert.equal(outcome.responseCode, '03');
  });

  it('never blocks a reversal or void, even with the store down and the merchant frozen', async () => {
    for (const kind of ['reversal', 'void', 'preauth_void', 'completion_void'] as const) {
      const input = purchaseInput({ kind });
      input.terminal.merchantStatus = 'frozen';
      const outcome = await assessTransaction(rig.deps, input, 20);
      assert.equal(outcome.decision, 'approve', kind);
      assert.deepEqual(outcome.firedRules, []);
    }
  });

  it('approves and flags a balance inquiry', async () => {
    const outcome = await assessTransaction(rig.deps, purchaseInput({ kind: 'balance_inquiry' }), 20);
    assert.equal(outcome.decision, 'approve_and_flag');
  });
});

describe('risk is overloaded (too many scripts waiting on Redis)', () => {
  it('answers past the in-flight bound at once with the down policy instead of queueing', async () => {
    const prefix = uniquePrefix();
    const rig = await createRig({ prefix });
    try {
      const bounded = { ...rig.deps, counters: new RedisCounters(rig.redis, prefix, 4) };
      const inputs = Array.from({ length: 12 }, (_unused, index) => purchaseInput({ cardToken: `tok_busy_${index}` }));
      const outcomes = await Promise.all(inputs.map((input) => assessTransaction(bounded, input, 2_000)));
      const busy = outcomes.filter((outcome) => outcome.firedRules[0]?.reason.includes('RISK_REDIS_BUSY'));
      assert.equal(busy.length, 8);
      for (const outcome of busy) assert.equal(outcome.responseCode, '96');
      assert.equal(outcomes.filter((outcome) => outcome.decision === 'approve').length, 4);
    } finally {
      await rig.close();
    }
  });
});
