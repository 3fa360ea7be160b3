// Goal: the store keeps every transaction durable under concurrent group commit, refuses duplicate keys, and keeps claims and outcomes exact; method: real Postgres in a private schema.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { fen } from '@acq/money';
import { recoverInterruptedIntents } from '../src/flows/recover-interrupted-intents.ts';
import { claimOriginal, releaseClaim } from '../src/store/original-claims.ts';
import { findStalePendingIntents, markIntentTimedOut } from '../src/store/recovery-store.ts';
import type { IntentRow, OutcomeRow } from '../src/store/transaction-store.ts';
import {
  type AuthorizationDatabase,
  authorizationDatabase,
  outboxEventTypes,
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

test('crash recovery: a stale pending intent becomes timed_out and gives back its claim', async () => {
  const original = intent();
  await db.store.recordIntent(original);
  await db.store.recordOutcome(approved(original.txnId));
  const voidIntent = intent({ kind: 'void', originalTxnId: original.txnId });
  await db.store.recordIntent(voidIntent);
  await withClient((client) =>
    claimOriginal(client, {
      claimKind: 'cancel',
      claimantTxnId: voidIntent.txnId,
      originalTxnId: original.txnId,
      amountFen: voidIntent.amountFen,
    }),
  );
  // The process "died" here: age the row past the budget instead of waiting.
  await db.pool.query(`UPDATE transactions SET created_at = now() - interval '10 minutes' WHERE txn_id = $1`, [
    voidIntent.txnId,
  ]);
  const stale = await findStalePendingIntents(db.pool, 60_000, 100);
  expect.deepEqual(
    stale.map((row) => row.txnId),
    [voidIntent.txnId],
  );
  expect.equal(await markIntentTimedOut(db.pool, voidIntent.txnId, '98'), true);
  expect.equal(await markIntentTimedOut(db.pool, voidIntent.txnId, '98'), false);
  expect.equal((await db.store.findById(voidIntent.txnId))?.status, 'timed_out');
  expect.equal((await db.store.findById(original.txnId))?.cancelledByTxnId, null);
  // A late outcome for the recovered row changes nothing.
  expect.equal(await db.store.recordOutcome(approved(voidIntent.txnId)), 'not_pending');
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

test('the recovery job closes only intents older than the budget', async () => {
  const fresh = intent({ terminalId: 'T0000005' });
  const stale = intent({ terminalId: 'T0000005' });
  await db.store.recordIntent(fresh);
  await db.store.recordIntent(stale);
  await db.pool.query(`UPDATE transactions SET created_at = now() - interval '10 minutes' WHERE txn_id = $1`, [
    stale.txnId,
  ]);
  const logged: string[] = [];
  const logger = {
    info() {},
    error() {},
    warn: (_fields: Record<string, unknown>, message: string) => logged.push(message),
  };
  const closed = await recoverInterruptedIntents({ pool: db.pool, logger, pendingAgeMsMin: 60_000, batchRowsMax: 100 });
  expect.ok(closed >= 1);
  expect.equal((await db.store.findById(stale.txnId))?.status, 'timed_out');
  expect.equal((await db.store.findById(fresh.txnId))?.status, 'pending');
  expect.ok(logged.length >= 1);
});
