/**
 * The ledger in SQL. `applyTransfers` runs inside the caller's transaction: it inserts immutable
 * transfers (a replay with the same id and body is a no-op, a different body is refused), resolves
 * holds exactly once, locks each touched account row in id order (no deadlocks between batches),
 * checks that guarded accounts stay non-negative, and updates each account once per call.
 * Row locks are FOR NO KEY UPDATE, never FOR UPDATE: inserting a transfer takes FOR KEY SHARE on
 * the accounts it references (foreign keys), and FOR UPDATE would conflict with those shares held
 * by concurrent inserts, turning sorted locking into deadlocks.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type pg from 'pg';
import { type AccountSpec, accountSpecOf } from '../domain/accounts.ts';
import {
  type AccountTotals,
  accumulateTransfer,
  assertTransferShape,
  sameTransferBody,
  spendableBalance,
  type Transfer,
  type TransferCode,
  type TransferFlags,
  zeroTotals,
} from '../domain/transfers.ts';
import { LEDGER_TRANSFERS_PER_CALL_MAX } from '../limits.ts';

export const LedgerErrorCode = {
  transferIdReused: 'TRANSFER_ID_REUSED',
  unknownAccount: 'UNKNOWN_ACCOUNT',
  holdNotFound: 'HOLD_NOT_FOUND',
  holdAlreadyResolved: 'HOLD_ALREADY_RESOLVED',
  holdMismatch: 'HOLD_MISMATCH',
  insufficientFunds: 'INSUFFICIENT_FUNDS',
} as const;
export type LedgerErrorCode = (typeof LedgerErrorCode)[keyof typeof LedgerErrorCode];

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code: LedgerErrorCode;
  constructor(code: LedgerErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type Queryable = Pick<pg.ClientBase, 'query'>;

export type ApplyResult = { readonly createdCount: number; readonly replayedCount: number };

type TransferRow = {
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount_fen: bigint;
  flags: TransferFlags;
  pending_id: string | null;
  code: TransferCode;
  reference: string;
  merchant_id: string | null;
};

function transferFromRow(row: TransferRow): Transfer {
  return {
    id: row.id,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amountFen: row.amount_fen as Fen,
    flags: row.flags,
    pendingId: row.pending_id,
    code: row.code,
    reference: row.reference,
    merchantId: row.merchant_id,
  };
}

export async function applyTransfers(
  client: Queryable,
  transfers: readonly Transfer[],
  postedAtMs: number,
): Promise<ApplyResult> {
  assert(transfers.length <= LEDGER_TRANSFERS_PER_CALL_MAX, 'ledger calls are bounded');
  assert(Number.isSafeInteger(postedAtMs) && postedAtMs > 0, 'postings carry their business time');
  if (transfers.length === 0) return { createdCount: 0, replayedCount: 0 };
  const ids = new Set<string>();
  for (const transfer of transfers) {
    assertTransferShape(transfer);
    assert(!ids.has(transfer.id), 'transfer ids are unique within a call');
    ids.add(transfer.id);
    for (const accountId of [transfer.debitAccountId, transfer.creditAccountId]) {
      if (accountSpecOf(accountId) === undefined) {
        throw new LedgerError(LedgerErrorCode.unknownAccount, `unknown account ${accountId}`);
      }
    }
  }
  const holds = await lockHolds(client, transfers);
  const insertedIds = await insertTransfers(client, transfers, postedAtMs);
  const replayed = transfers.filter((transfer) => !insertedIds.has(transfer.id));
  await assertReplaysMatch(client, replayed);
  const created = transfers.filter((transfer) => insertedIds.has(transfer.id));
  const deltas = new Map<string, AccountTotals>();
  for (const transfer of created) {
    const hold = transfer.pendingId === null ? undefined : holds.get(transfer.pendingId);
    if (transfer.pendingId !== null) assertResolvesHold(transfer, hold);
    accumulateTransfer(deltas, transfer, hold);
  }
  await updateAccounts(client, deferSystemDeltas(client, deltas));
  assert(created.length + replayed.length === transfers.length, 'every transfer is created or replayed');
  return { createdCount: created.length, replayedCount: replayed.length };
}

/** Unguarded (system) account deltas accumulated per transaction client inside deferSystemAccountUpdates. */
const deferredDeltasByClient = new WeakMap<Queryable, Map<string, AccountTotals>>();

/**
 * Every batch of events touches the system accounts (fee income, network receivable: one row per
 * shard), so their row locks serialise concurrent batches for as long as each holds them. Inside
 * `work`, applyTransfers inserts transfers and updates guarded (merchant) accounts at once, as
 * always, but only accumulates the unguarded accounts' deltas; they are applied in one sorted
 * update when `work` returns, just before the caller commits, so those locks are held only from
 * there to the commit. Nothing inside may read a deferred account (readAccounts asserts it).
 */
export async function deferSystemAccountUpdates<T>(client: Queryable, work: () => Promise<T>): Promise<T> {
  assert(!deferredDeltasByClient.has(client), 'deferral scopes do not nest');
  const deferred = new Map<string, AccountTotals>();
  deferredDeltasByClient.set(client, deferred);
  try {
    const result = await work();
    await updateAccounts(client, deferred);
    return result;
  } finally {
    deferredDeltasByClient.delete(client);
  }
}

/** Moves unguarded accounts' deltas into the client's deferral scope, if one is open; returns the rest. */
function deferSystemDeltas(client: Queryable, deltas: Map<string, AccountTotals>): Map<string, AccountTotals> {
  const deferred = deferredDeltasByClient.get(client);
  if (deferred === undefined) return deltas;
  const now = new Map<string, AccountTotals>();
  for (const [accountId, delta] of deltas) {
    const spec = accountSpecOf(accountId);
    assert(spec !== undefined, 'transfers touch known accounts');
    if (spec.mustNotGoNegative) {
      now.set(accountId, delta);
      continue;
    }
    const total = deferred.get(accountId) ?? zeroTotals();
    total.debitsPosted += delta.debitsPosted;
    total.creditsPosted += delta.creditsPosted;
    total.debitsPending += delta.debitsPending;
    total.creditsPending += delta.creditsPending;
    deferred.set(accountId, total);
  }
  return now;
}

/** Creates missing accounts from their structured ids (first use opens the account). */
export async function ensureAccountsExist(client: Queryable, accountIds: readonly string[]): Promise<void> {
  const specs = new Map<string, AccountSpec>();
  for (const accountId of accountIds) {
    if (specs.has(accountId)) continue;
    const spec = accountSpecOf(accountId);
    if (spec === undefined) throw new LedgerError(LedgerErrorCode.unknownAccount, `unknown account ${accountId}`);
    specs.set(accountId, spec);
  }
  const list = [...specs.values()].sort((left, right) => (left.id < right.id ? -1 : 1));
  await client.query(
    `INSERT INTO accounts (id, merchant_id, kind, normal_side, must_not_go_negative)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[])
     ON CONFLICT (id) DO NOTHING`,
    [
      list.map((spec) => spec.id),
      list.map((spec) => spec.merchantId),
      list.map((spec) => spec.kind),
      list.map((spec) => spec.normalSide),
      list.map((spec) => spec.mustNotGoNegative),
    ],
  );
}

/** Locks the pending transfers being resolved and refuses a second resolution of a hold. */
async function lockHolds(client: Queryable, transfers: readonly Transfer[]): Promise<Map<string, Transfer>> {
  const pendingIds = transfers.flatMap((transfer) => (transfer.pendingId === null ? [] : [transfer.pendingId]));
  const holds = new Map<string, Transfer>();
  if (pendingIds.length === 0) return holds;
  assert(new Set(pendingIds).size === pendingIds.length, 'a call resolves each hold at most once');
  const locked = await client.query<TransferRow>(
    'SELECT * FROM transfers WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE',
    [pendingIds],
  );
  for (const row of locked.rows) holds.set(row.id, transferFromRow(row));
  const resolutions = await client.query<{ id: string; pending_id: string }>(
    'SELECT id, pending_id FROM transfers WHERE pending_id = ANY($1::uuid[])',
    [pendingIds],
  );
  const resolvedBy = new Map(resolutions.rows.map((row) => [row.pending_id, row.id]));
  for (const transfer of transfers) {
    if (transfer.pendingId === null) continue;
    if (!holds.has(transfer.pendingId)) {
      throw new LedgerError(LedgerErrorCode.holdNotFound, `hold ${transfer.pendingId} not found`);
    }
    const resolver = resolvedBy.get(transfer.pendingId);
    if (resolver !== undefined && resolver !== transfer.id) {
      throw new LedgerError(LedgerErrorCode.holdAlreadyResolved, `hold ${transfer.pendingId} already resolved`);
    }
  }
  return holds;
}

function assertResolvesHold(transfer: Transfer, hold: Transfer | undefined): void {
  const matches =
    hold !== undefined &&
    hold.flags === 'pending' &&
    hold.debitAccountId === transfer.debitAccountId &&
    hold.creditAccountId === transfer.creditAccountId &&
    (transfer.flags === 'post_pending' ? transfer.amountFen <= hold.amountFen : transfer.amountFen === hold.amountFen);
  if (!matches) throw new LedgerError(LedgerErrorCode.holdMismatch, `transfer ${transfer.id} does not match its hold`);
}

async function insertTransfers(
  client: Queryable,
  transfers: readonly Transfer[],
  postedAtMs: number,
): Promise<Set<string>> {
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO transfers (id, debit_account_id, credit_account_id, amount_fen, flags, pending_id, code, reference, merchant_id,
       posted_at)
     SELECT t.*, to_timestamp($10::bigint / 1000.0)
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[]) AS t
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      transfers.map((transfer) => transfer.id),
      transfers.map((transfer) => transfer.debitAccountId),
      transfers.map((transfer) => transfer.creditAccountId),
      transfers.map((transfer) => transfer.amountFen.toString()),
      transfers.map((transfer) => transfer.flags),
      transfers.map((transfer) => transfer.pendingId),
      transfers.map((transfer) => transfer.code),
      transfers.map((transfer) => transfer.reference),
      transfers.map((transfer) => transfer.merchantId),
      postedAtMs,
    ],
  );
  return new Set(inserted.rows.map((row) => row.id));
}

async function assertReplaysMatch(client: Queryable, replayed: readonly Transfer[]): Promise<void> {
  if (replayed.length === 0) return;
  const stored = await readTransfers(
    client,
    replayed.map((transfer) => transfer.id),
  );
  for (const transfer of replayed) {
    const existing = stored.get(transfer.id);
    assert(existing !== undefined, 'a conflicting insert means the transfer exists');
    if (!sameTransferBody(existing, transfer)) {
      throw new LedgerError(LedgerErrorCode.transferIdReused, `transfer ${transfer.id} exists with a different body`);
    }
  }
}

export async function readTransfers(client: Queryable, ids: readonly string[]): Promise<Map<string, Transfer>> {
  const result = await client.query<TransferRow>('SELECT * FROM transfers WHERE id = ANY($1::uuid[])', [ids]);
  return new Map(result.rows.map((row) => [row.id, transferFromRow(row)]));
}

type AccountRow = {
  id: string;
  normal_side: 'debit' | 'credit';
  must_not_go_negative: boolean;
  debits_posted: bigint;
  credits_posted: bigint;
  debits_pending: bigint;
  credits_pending: bigint;
};

function totalsOf(row: AccountRow): AccountTotals {
  return {
    debitsPosted: row.debits_posted,
    creditsPosted: row.credits_posted,
    debitsPending: row.debits_pending,
    creditsPending: row.credits_pending,
  };
}

/**
 * Locks the accounts in id order. Accounts almost always exist, so they are opened only when the
 * lock finds some missing (then the lock is taken again, still in id order).
 */
async function lockAccountsOpeningMissing(client: Queryable, accountIds: readonly string[]): Promise<AccountRow[]> {
  const lockSql = 'SELECT * FROM accounts WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE';
  const first = await client.query<AccountRow>(lockSql, [accountIds]);
  if (first.rows.length === accountIds.length) return first.rows;
  await ensureAccountsExist(client, accountIds);
  const second = await client.query<AccountRow>(lockSql, [accountIds]);
  assert(second.rows.length === accountIds.length, 'every touched account exists');
  return second.rows;
}

async function updateAccounts(client: Queryable, deltas: Map<string, AccountTotals>): Promise<void> {
  if (deltas.size === 0) return;
  const accountIds = [...deltas.keys()].sort();
  const locked = await lockAccountsOpeningMissing(client, accountIds);
  for (const row of locked) {
    const delta = deltas.get(row.id);
    assert(delta !== undefined, 'locked rows are the touched accounts');
    const after = totalsOf(row);
    after.debitsPosted += delta.debitsPosted;
    after.creditsPosted += delta.creditsPosted;
    after.debitsPending += delta.debitsPending;
    after.creditsPending += delta.creditsPending;
    assert(after.debitsPending >= 0n && after.creditsPending >= 0n, 'holds never go negative');
    if (row.must_not_go_negative && spendableBalance(row.normal_side, after) < 0n) {
      throw new LedgerError(LedgerErrorCode.insufficientFunds, `account ${row.id} would go negative`);
    }
  }
  await client.query(
    `UPDATE accounts AS a SET debits_posted = a.debits_posted + d.debits_posted,
       credits_posted = a.credits_posted + d.credits_posted,
       debits_pending = a.debits_pending + d.debits_pending,
       credits_pending = a.credits_pending + d.credits_pending
     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
       AS d(id, debits_posted, credits_posted, debits_pending, credits_pending)
     WHERE a.id = d.id`,
    [
      accountIds,
      accountIds.map((id) => deltas.get(id)?.debitsPosted.toString()),
      accountIds.map((id) => deltas.get(id)?.creditsPosted.toString()),
      accountIds.map((id) => deltas.get(id)?.debitsPending.toString()),
      accountIds.map((id) => deltas.get(id)?.creditsPending.toString()),
    ],
  );
}

export type AccountBalance = {
  readonly accountId: string;
  readonly normalSide: 'debit' | 'credit';
  readonly totals: AccountTotals;
};

/** Reads accounts; `lock` takes row locks (in id order) so a flow can decide on balances it then changes. */
export async function readAccounts(
  client: Queryable,
  accountIds: readonly string[],
  lock: 'lock' | 'no_lock',
): Promise<Map<string, AccountBalance>> {
  const sorted = [...new Set(accountIds)].sort();
  const deferred = deferredDeltasByClient.get(client);
  assert(
    deferred === undefined || sorted.every((accountId) => !deferred.has(accountId)),
    'an account whose update is deferred is not read before the flush',
  );
  const rows =
    lock === 'lock'
      ? await lockAccountsOpeningMissing(client, sorted)
      : (await client.query<AccountRow>('SELECT * FROM accounts WHERE id = ANY($1::text[])', [sorted])).rows;
  const balances = new Map<string, AccountBalance>();
  for (const row of rows) {
    balances.set(row.id, { accountId: row.id, normalSide: row.normal_side, totals: totalsOf(row) });
  }
  return balances;
}

/** Pending transfers among `ids` that no post or void has resolved yet. */
export async function readUnresolvedHolds(client: Queryable, ids: readonly string[]): Promise<Map<string, Transfer>> {
  if (ids.length === 0) return new Map();
  const result = await client.query<TransferRow>(
    `SELECT h.* FROM transfers h WHERE h.id = ANY($1::uuid[]) AND h.flags = 'pending'
       AND NOT EXISTS (SELECT 1 FROM transfers r WHERE r.pending_id = h.id)`,
    [ids],
  );
  return new Map(result.rows.map((row) => [row.id, transferFromRow(row)]));
}
