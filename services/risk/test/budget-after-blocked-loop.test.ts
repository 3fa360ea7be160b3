// Goal: a Redis reply that arrived while the event loop was blocked past the Assess budget still
// decides the transaction (no false fail-closed 96); method: the Assess flow against the real local
// Redis, the event loop blocked synchronously for three budgets right after the script was sent.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { assessTransaction } from '../src/flows/assess.ts';
import { createRig, purchaseInput, type TestRig } from './fixtures.ts';

const BUDGET_MS = 20;
const BLOCKED_MS = 3 * BUDGET_MS;
let rig: TestRig | undefined;
after(async () => {
  await rig?.close();
});

function blockEventLoop(durationMs: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, durationMs);
}

it('approves from the waiting Redis reply although the budget expired during the block', async () => {
  rig = await createRig();
  // The first call loads the Lua script (a second round trip); measure a steady-state call.
  await assessTransaction(rig.deps, purchaseInput({ txnId: 'auth_budget_warmup' }), 2_000);
  const assessment = assessTransaction(rig.deps, purchaseInput({ txnId: 'auth_budget_blocked' }), BUDGET_MS);
  // Auto-pipelining writes the script after this turn; block only once it is on the wire.
  await new Promise<void>((resolve) => setImmediate(resolve));
  blockEventLoop(BLOCKED_MS);
  const outcome = await assessment;
  assert.deepEqual(outcome.firedRules, []);
  assert.equal(outcome.decision, 'approve');
  assert.notEqual(outcome.reservationId, '');
});
