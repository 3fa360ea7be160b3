// Goal: the store keeps every transaction durable under concurrent group commit, refuses duplicate keys, keeps claims and outcomes exact, and crash recovery reverses interrupted intents upstream exactly once; method: real Postgres in a private schema with the real SAF table.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { fen } from '@acq/money';
import { recoverInterruptedIntents } from '../src/flows/recover-interrupted-intents.ts';
import { claimOriginal, releaseClaim } from '../src/store/original-claims.ts';
import { upstreamReversalOf } from '../src/flows/upstream-reversal.ts';
import type { UpstreamReversal } from '../src/flows/ports.ts';
import { insertReversal } from '../src/clients/upstream/saf-store.ts';
import { recordReversal } from '../src/store/reversal-store.ts';
import type { IntentRow, OutcomeRow } from '../src/store/transaction-store.ts';
import {
  type AuthorizationDatabase,
  authorizationDatabase,
  outboxEventTypes,
  writeOutbox,
} from './support/authorization-database.ts';

let db: AuthorizationDatabase;
before(async () => {
  db = await authorizationDatabase();
});
after(async () => {
  await db.close();
});

let sequence = 0;
function intent(overrides: Partial<IntentRow> = {}): IntentRow {
  sequence += 1;
  return {
    txnId: `auth_test${String(sequence).padStart(8, '0')}`,
    kind: 'purchase',
    terminalId: 'T0000001',
    batchNumber: '000001',
    stan: String(sequence).padStart(6, '0'),
    merchantId: 'mch_1',
    merchantNumber: '898310058120001',
    merchantNumberFromTerminal: '898310058120001',
    mcc: '5812',
    amountFen: fen(10_000),
    posEntryMode: '051',
    cardToken: 'token',
    panMasked: '622202*********0128',
    posConditionCode: '00',
    requestFingerprint: 'fp',
    rrn: `01${String(sequence).padStart(10, '0')}`,
    // As the pipeline writes it: the identity reserved for the upstream request.
    networkStan: String(sequence).padStart(6, '0'),
    transmissionDateTime: '1122031500',
    businessDate: '20261122',
    originalTxnId: null,
    ...overrides,
  };
}

function approved(txnId: string, overrides: Partial<OutcomeRow> = {}): OutcomeRow {
  return {
    txnId,
    status: 'approved',
    rrn: '000000000001',
    networkStan: '000123',
    transmissionDateTime: '1122031500',
    authCode: 'A12345',
    responseCode: '00',
    declineReason: null,
    cardKind: 'debit',
    feeFen: fen(60),
    balanceFen: null,
    iccResponse: null,
    releaseClaim: false,
    events: [],
    ...overrides,
  };
}

test('1,000 concurrent intents and outcomes are all durable, in far fewer commits than rows', async () => {
  const rows = Array.from({ length: 1_000 }, () => intent({ terminalId: 'T0000002' }));
  const before = db.store.groupCommitStats();
  const intents = await Promise.all(rows.map((row) => db.store.recordIntent(row)));
  expect.ok(intents.every((result) => result.kind === 'recorded'));
  const outcomes = await Promise.all(rows.map((row) => db.store.recordOutcome(approved(row.txnId))));
  expect.ok(outcomes.every((result) => result === 'recorded'));
  const counted = await db.pool.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM transactions WHERE terminal_id = 'T0000002' AND status = 'approved'`,
  );
  expect.equal(counted.rows[0]?.count, 1_000);
  const stats = db.store.groupCommitStats();
  const intentBatches = stats.intents.batchesWritten - before.intents.batchesWritten;
  expect.equal(stats.intents.rowsWritten - before.intents.rowsWritten, 1_000);
  expect.ok(intentBatches <= 20, `1,000 intents took ${intentBatches} commits`);
});

test('a second intent with the same terminal + batch + trace is a duplicate carrying the stored row', async () => {
  const first = intent();
  expect.deepEqual(await db.store.recordIntent(first), { kind: 'recorded' });
  const again = await db.store.recordIntent({ ...first, txnId: 'auth_testduplicate1' });
  expect.equal(again.kind, 'duplicate');
  expect.equal(again.kind === 'duplicate' ? again.existing.txnId : '', first.txnId);
  // Two racing requests with one key inside the same batch: exactly one wins.
  const key = intent();
  const racing = await Promise.all([
    db.store.recordIntent(key),
    db.store.recordIntent({ ...key, txnId: 'auth_testduplicate2' }),
  ]);
  expect.equal(racing.filter((result) => result.kind === 'recorded').length, 1);
  expect.equal(racing.filter((result) => result.kind === 'duplicate').length, 1);
});

test('outcome is written once; events go to the outbox only with the recorded outcome', async () => {
  const row = intent();
  await db.store.recordIntent(row);
  const event = {
    topic: 'authorization.events',
    key: 'mch_1',
    type: 'TransactionApproved',
    payload: new Uint8Array([1]),
  };
  expect.equal(await db.store.recordOutcome(approved(row.txnId, { events: [event] })), 'recorded');
  expect.equal(await db.store.recordOutcome(approved(row.txnId, { events: [event] })), 'not_pending');
  const types = await outboxEventTypes(db.pool);
  expect.equal(types.filter((type) => type === 'TransactionApproved').length, 1);
  const stored = await db.store.findById(row.txnId);
  expect.equal(stored?.status, 'approved');
  expect.equal(stored?.networkStan, '000123');
  expect.equal(stored?.feeFen, 60n);
});

test('refund claims never exceed the original, even when racing; release gives the amount back once', async () => {
  const original = intent({ amountFen: fen(10_000) });
  await db.store.recordIntent(original);
  await db.store.recordOutcome(approved(original.txnId));
  const refunds = [6_000, 5_000].map((amount) =>
    intent({ kind: 'refund', amountFen: fen(amount), originalTxnId: original.txnId }),
  );
  for (const refund of refunds) await db.store.recordIntent(refund);
  const claims = await Promise.all(
    refunds.map((refund) =>
      withClient((client) =>
        claimOriginal(client, {
          claimKind: 'refund',
          claimantTxnId: refund.txnId,
          originalTxnId: original.txnId,
          amountFen: refund.amountFen,
        }),
      ),
    ),
  );
  expect.deepEqual(claims.filter(Boolean).length, 1);
  const winner = refunds[claims.indexOf(true)];
  expect.ok(winner !== undefined);
  expect.equal((await db.store.findById(original.txnId))?.refundedFen, winner.amountFen);
  expect.equal(await withClient((client) => releaseClaim(client, winner.txnId)), true);
  expect.equal(await withClient((client) => releaseClaim(client, winner.txnId)), false);
  expect.equal((await db.store.findById(original.txnId))?.refundedFen, 0n);
});

test('a void claim holds the original against a second void and a refund', async () => {
  const original = intent();
  await db.store.recordIntent(original);
  await db.store.recordOutcome(approved(original.txnId));
  const firstVoid = intent({ kind: 'void', originalTxnId: original.txnId });
  const secondVoid = intent({ kind: 'void', originalTxnId: original.txnId });
  const refund = intent({ kind: 'refund', amountFen: fen(1), originalTxnId: original.txnId });
  for (const row of [firstVoid, secondVoid, refund]) await db.store.recordIntent(row);
  const claim = (row: IntentRow, claimKind: 'cancel' | 'refund') =>
    withClient((client) =>
      claimOriginal(client, {
        claimKind,
        claimantTxnId: row.txnId,
        originalTxnId: original.txnId,
        amountFen: row.amountFen,
      }),
    );
  expect.equal(await claim(firstVoid, 'cancel'), true);
  expect.equal(await claim(secondVoid, 'cancel'), false);
  expect.equal(await claim(refund, 'refund'), false);
  expect.equal((await db.store.findById(secondVoid.txnId))?.claimState, 'none');
});

async function withClient<T>(work: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

// Crash recovery. The process "dies" between intent and outcome: the test ages the pending row past
// the budget instead of waiting, and the enqueue port writes the real SAF table (one reversal per
// transaction), so idempotency is the database's, as in production.

const ACQUIRER_INSTITUTION_ID = '48020000';
const recoveryLog: Array<{ fields: Record<string, unknown>; message: string }> = [];
const safUpstream = {
  async enqueueReversal(reversal: UpstreamReversal, client?: import('pg').PoolClient): Promise<void> {
    await insertReversal(client ?? db.pool, reversal);
  },
};

function recoveryPass(): Promise<number> {
  const log = (fields: Record<string, unknown>, message: string) => recoveryLog.push({ fields, message });
  return recoverInterruptedIntents({
    pool: db.pool,
    logger: { info: log, warn: log, error: log },
    upstream: safUpstream,
    acquirerInstitutionId: ACQUIRER_INSTITUTION_ID,
    pendingAgeMsMin: 60_000,
    batchRowsMax: 100,
  });
}

async function ageIntent(txnId: string): Promise<void> {
  await db.pool.query(`UPDATE transactions SET created_at = now() - interval '10 minutes' WHERE txn_id = $1`, [txnId]);
}

async function safReversalsOf(txnId: string) {
  const result = await db.pool.query<{ reason: string; state: string; payload: Record<string, unknown> }>(
    `SELECT reason, state, payload FROM upstream_saf_items WHERE txn_id = $1 AND item_kind = 'reversal'`,
    [txnId],
  );
  return result.rows;
}

function terminalReversalOf(txnId: string) {
  return recordReversal(db.pool, writeOutbox, {
    originalTxnId: txnId,
    reasonCode: '98',
    eventsIfApproved: () => [],
    enqueueUpstream: (client, original) =>
      safUpstream.enqueueReversal(
        upstreamReversalOf(original, 'terminal_reversal', ACQUIRER_INSTITUTION_ID, original),
        client,
      ),
  });
}

test('the intent row carries the network identity reserved for its upstream request', async () => {
  const row = intent({ networkStan: '004711', transmissionDateTime: '1122031501' });
  await db.store.recordIntent(row);
  const stored = await db.store.findById(row.txnId);
  expect.equal(stored?.status, 'pending');
  expect.equal(stored?.networkStan, '004711');
  expect.equal(stored?.transmissionDateTime, '1122031501');
});

test('crash recovery: a stale purchase becomes timed_out and its network reversal is queued once by its stored identity, across passes and replicas', async () => {
  const interrupted = intent({ terminalId: 'T0000006' });
  const fresh = intent({ terminalId: 'T0000006' });
  await db.store.recordIntent(interrupted);
  await db.store.recordIntent(fresh);
  await ageIntent(interrupted.txnId);
  // Two replicas' passes at once, then a later pass: the locked row is closed by exactly one.
  const closedByReplicas = await Promise.all([recoveryPass(), recoveryPass()]);
  expect.equal(closedByReplicas[0] + closedByReplicas[1], 1);
  expect.equal(await recoveryPass(), 0);
  const stored = await db.store.findById(interrupted.txnId);
  expect.equal(stored?.status, 'timed_out');
  expect.equal(stored?.responseCode, '98');
  expect.equal((await db.store.findById(fresh.txnId))?.status, 'pending', 'younger than the budget: still in flight');
  const reversals = await safReversalsOf(interrupted.txnId);
  expect.equal(reversals.length, 1);
  expect.equal(reversals[0]?.reason, 'not_recorded');
  expect.equal(reversals[0]?.state, 'pending');
  const payload = reversals[0]?.payload ?? {};
  expect.equal(payload.kind, 'purchase');
  expect.equal(payload.networkStan, interrupted.networkStan);
  expect.equal(payload.transmissionDateTime, interrupted.transmissionDateTime);
  expect.equal(payload.terminalId, interrupted.terminalId);
  expect.equal(payload.merchantNumber, interrupted.merchantNumber);
  expect.equal(payload.amountFen, String(interrupted.amountFen));
  expect.equal(payload.rrn, undefined, "the network's RRN never reached us, so ours is not sent as if it were");
  expect.ok(
    recoveryLog.some(
      (line) => line.fields.txnId === interrupted.txnId && line.message.includes('network reversal queued'),
    ),
  );
  // The process that owned it, if it was only slow, finds it closed and reverses its own approval.
  expect.equal(await db.store.recordOutcome(approved(interrupted.txnId)), 'not_pending');
});

test('crash recovery: a stale void gives back its claim and is reversed; an inquiry and a row without identity are closed without one', async () => {
  const original = intent();
  await db.store.recordIntent(original);
  await db.store.recordOutcome(approved(original.txnId));
  const voidIntent = intent({ kind: 'void', originalTxnId: original.txnId });
  const inquiry = intent({ kind: 'balance_inquiry', amountFen: fen(0) });
  const withoutIdentity = intent({ networkStan: '', transmissionDateTime: '' });
  for (const row of [voidIntent, inquiry, withoutIdentity]) await db.store.recordIntent(row);
  await withClient((client) =>
    claimOriginal(client, {
      claimKind: 'cancel',
      claimantTxnId: voidIntent.txnId,
      originalTxnId: original.txnId,
      amountFen: voidIntent.amountFen,
    }),
  );
  for (const row of [voidIntent, inquiry, withoutIdentity]) await ageIntent(row.txnId);
  expect.equal(await recoveryPass(), 3);
  for (const row of [voidIntent, inquiry, withoutIdentity]) {
    expect.equal((await db.store.findById(row.txnId))?.status, 'timed_out');
  }
  expect.equal((await db.store.findById(original.txnId))?.cancelledByTxnId, null, 'the void claim is given back');
  expect.equal((await safReversalsOf(voidIntent.txnId))[0]?.payload.kind, 'void');
  expect.equal((await safReversalsOf(inquiry.txnId)).length, 0, 'an inquiry moved no money');
  expect.equal((await safReversalsOf(withoutIdentity.txnId)).length, 0);
  expect.ok(
    recoveryLog.some(
      (line) =>
        line.fields.txnId === withoutIdentity.txnId && line.message.includes('check it against the clearing file'),
    ),
  );
});

test("a terminal's reversal of an interrupted intent is answered at once; the network reversal comes from recovery, once", async () => {
  const interrupted = intent();
  await db.store.recordIntent(interrupted);
  const reversed = await terminalReversalOf(interrupted.txnId);
  expect.equal(reversed.kind, 'reversed');
  // Still pending: its message may be on its way to the network, where a reversal could overtake it.
  expect.equal(reversed.kind === 'reversed' && reversed.upstreamQueued, false);
  expect.equal((await safReversalsOf(interrupted.txnId)).length, 0);
  await ageIntent(interrupted.txnId);
  expect.equal(await recoveryPass(), 1);
  expect.equal((await db.store.findById(interrupted.txnId))?.reversed, true);
  expect.equal((await safReversalsOf(interrupted.txnId)).length, 1);
  expect.equal((await terminalReversalOf(interrupted.txnId)).kind, 'already_reversed');
  expect.equal((await safReversalsOf(interrupted.txnId)).length, 1);
});

test("a terminal's reversal after recovery closed the intent adds no second network reversal", async () => {
  const interrupted = intent();
  await db.store.recordIntent(interrupted);
  await ageIntent(interrupted.txnId);
  expect.equal(await recoveryPass(), 1);
  const reversed = await terminalReversalOf(interrupted.txnId);
  expect.equal(reversed.kind === 'reversed' && reversed.upstreamQueued, true);
  const reversals = await safReversalsOf(interrupted.txnId);
  expect.equal(reversals.length, 1);
  expect.equal(reversals[0]?.reason, 'not_recorded');
});
