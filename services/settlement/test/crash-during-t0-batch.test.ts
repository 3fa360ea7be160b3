// Goal: a settlement worker killed (SIGKILL) in the middle of a T0 batch and restarted pays every transaction exactly once; method: a worker child process paying through the HTTP bank client against an HTTP fake bank with faults, killed mid-batch, then a second worker finishes; bank records and ledger invariants checked.
import { strict as expect } from 'node:assert';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyTransactionEvents } from '../src/flows/apply-transaction-events.ts';
import { t0PayoutIdFor } from '../src/flows/start-t0-payouts.ts';
import { createHarness, type Harness } from './support/harness.ts';
import { type HttpBankServer, startHttpBankServer } from './support/http-bank-server.ts';

const WORKER = fileURLToPath(new URL('./support/payout-worker-process.ts', import.meta.url));
const MERCHANT_COUNT = 20;
const TRANSACTIONS_PER_MERCHANT = 10;
const KILL_AFTER_SUBMISSIONS = 60;
const WORKER_FINISH_TIMEOUT_MS = 90_000;

let harness: Harness;
let server: HttpBankServer;
before(async () => {
  harness = await createHarness(new Date().toISOString());
  server = await startHttpBankServer(harness.bank, 15);
});
after(async () => {
  await server.close();
  await harness.close();
});

function startWorker(): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      SETTLEMENT_TEST_SCHEMA: harness.schema,
      BANK_URL: server.url,
      DATABASE_URL: harness.database.url,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

test('killed mid-batch and restarted, the worker pays every T0 transaction exactly once', async () => {
  const events = [];
  for (let merchant = 0; merchant < MERCHANT_COUNT; merchant += 1) {
    const merchantId = `m_crash${merchant}`;
    harness.addMerchant(merchantId, { t0Enabled: true });
    for (let index = 0; index < TRANSACTIONS_PER_MERCHANT; index += 1) {
      const txnId = `txn_c${merchant}_${index}`;
      if (index === 3) harness.bank.script(t0PayoutIdFor(txnId), ['paid_answer_lost']);
      if (index === 5) harness.bank.script(t0PayoutIdFor(txnId), ['lost_before_bank']);
      if (index === 7) harness.bank.script(t0PayoutIdFor(txnId), ['reject', 'slow']);
      events.push(harness.event('PURCHASE', txnId, merchantId, 1000 + merchant * 100 + index));
    }
  }
  const applied = await applyTransactionEvents(harness.context, events);
  expect.equal(applied.t0PayoutCount, MERCHANT_COUNT * TRANSACTIONS_PER_MERCHANT);

  const first = startWorker();
  for (let waited = 0; harness.bank.submitCount < KILL_AFTER_SUBMISSIONS && waited < 600; waited += 1) await sleep(50);
  expect.ok(harness.bank.submitCount >= KILL_AFTER_SUBMISSIONS, 'the first worker got going');
  first.child.kill('SIGKILL');
  await first.exited;
  const unfinished = await harness.pool.query(`SELECT count(*)::int AS n FROM payouts WHERE state <> 'succeeded'`);
  expect.ok((unfinished.rows[0] as { n: number }).n > 0, 'the kill left work unfinished');

  const second = startWorker();
  const deadline = new AbortController();
  const timedOut = sleep(WORKER_FINISH_TIMEOUT_MS, 'timeout' as const, { signal: deadline.signal }).catch(
    () => 'cancelled' as const,
  );
  const code = await Promise.race([second.exited, timedOut]);
  deadline.abort();
  if (code === 'timeout') second.child.kill('SIGKILL');
  expect.equal(code, 0, 'the restarted worker finished');

  const states = await harness.pool.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM payouts GROUP BY state',
  );
  expect.deepEqual(states.rows, [{ state: 'succeeded', n: MERCHANT_COUNT * TRANSACTIONS_PER_MERCHANT }]);
  const paid = harness.bank.paidByPayout();
  expect.equal(paid.size, MERCHANT_COUNT * TRANSACTIONS_PER_MERCHANT);
  for (const [payoutId, entry] of paid) expect.equal(entry.count, 1, `${payoutId} paid once`);
  await harness.checkInvariants();
});
