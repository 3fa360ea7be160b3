/**
 * SQL of the store-and-forward queue (table `upstream_saf_items`, migration 500). Enqueueing is
 * idempotent per (txn_id, item kind). Claiming bumps the attempt count and pushes the next attempt out
 * by the backoff before anything is sent, so a crash mid-send counts as an attempt and the item
 * comes back later; `FOR UPDATE SKIP LOCKED` keeps replicas from claiming the same rows.
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import type pg from 'pg';
import {
  ADVICE_REASONS,
  REVERSAL_REASONS,
  UPSTREAM_KINDS,
  type UpstreamAdvice,
  type UpstreamKind,
  type UpstreamReversal,
} from './types.ts';

export type Queryable = pg.Pool | pg.PoolClient;
export type SafItemKind = 'reversal' | 'advice';

export type SafItem =
  | { safItemId: bigint; itemKind: 'reversal'; attemptCount: number; reversal: UpstreamReversal }
  | { safItemId: bigint; itemKind: 'advice'; attemptCount: number; advice: UpstreamAdvice };

export interface SafRetryPolicy {
  retryIntervalMs: number;
  retryIntervalMsMax: number;
}

/** JSON payload: amounts as digit strings (never numbers), everything else as is. */
function payloadOf(message: UpstreamReversal | UpstreamAdvice): string {
  return JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

export async function insertReversal(queryable: Queryable, reversal: UpstreamReversal): Promise<boolean> {
  assert(reversal.txnId.length > 0, 'reversal needs a txnId');
  assert(reversal.amountFen >= 0n, 'reversal amount is not negative');
  const result = await queryable.query(
    `INSERT INTO upstream_saf_items (txn_id, item_kind, reason, amount_fen, payload)
     VALUES ($1, 'reversal', $2, $3, $4::jsonb)
     ON CONFLICT (txn_id, item_kind) DO NOTHING`,
    [reversal.txnId, reversal.reason, reversal.amountFen, payloadOf(reversal)],
  );
  return result.rowCount === 1;
}

/**
 * A late approval must be reversed even when the timeout reversal was already acknowledged: a 25
 * ("original not found") or even a 00 may have answered a reversal that overtook the original at the
 * network. Reversals are idempotent at the network, so the row is reopened (attempts reset), marked
 * `late_approval_seen` (from now on only a 00 completes it) and gains the late answer's RRN and auth
 * code. A parked row is left to the operator. Returns true when the reversal is (again) pending.
 */
export async function upsertLateReversal(queryable: Queryable, reversal: UpstreamReversal): Promise<boolean> {
  assert(reversal.reason === 'late_response', 'only late answers reopen a reversal');
  const result = await queryable.query<{ state: string }>(
    `INSERT INTO upstream_saf_items AS item (txn_id, item_kind, reason, amount_fen, payload, late_approval_seen)
     VALUES ($1, 'reversal', $2, $3, $4::jsonb, true)
     ON CONFLICT (txn_id, item_kind) DO UPDATE SET
       payload = item.payload || jsonb_strip_nulls(jsonb_build_object('rrn', EXCLUDED.payload->'rrn', 'authCode', EXCLUDED.payload->'authCode')),
       late_approval_seen = true,
       reason = CASE WHEN item.state = 'acknowledged' THEN EXCLUDED.reason ELSE item.reason END,
       state = 'pending',
       attempt_count = CASE WHEN item.state = 'acknowledged' THEN 0 ELSE item.attempt_count END,
       next_attempt_at = CASE WHEN item.state = 'acknowledged' THEN now() ELSE item.next_attempt_at END,
       acknowledged_at = NULL,
       updated_at = now()
     WHERE item.state IN ('pending', 'acknowledged')
     RETURNING item.state`,
    [reversal.txnId, reversal.reason, reversal.amountFen, payloadOf(reversal)],
  );
  return result.rowCount === 1;
}

export async function insertAdvice(queryable: Queryable, advice: UpstreamAdvice): Promise<boolean> {
  assert(advice.txnId.length > 0, 'advice needs a txnId');
  assert(advice.amountFen >= 0n, 'advice amount is not negative');
  const result = await queryable.query(
    `INSERT INTO upstream_saf_items (txn_id, item_kind, reason, amount_fen, payload)
     VALUES ($1, 'advice', $2, $3, $4::jsonb)
     ON CONFLICT (txn_id, item_kind) DO NOTHING`,
    [advice.txnId, advice.reason, advice.amountFen, payloadOf(advice)],
  );
  return result.rowCount === 1;
}

interface ClaimedRow {
  saf_item_id: bigint | string;
  item_kind: SafItemKind;
  /** The column, not the payload, is authoritative: a late approval changes it. */
  reason: string;
  amount_fen: bigint | string;
  attempt_count: number;
  payload: Record<string, unknown>;
}

export interface ClaimedBatch {
  items: SafItem[];
  /** Rows whose payload cannot be read back (hand-edited or from a future version): to be parked. */
  unreadable: Array<{ safItemId: bigint; error: string }>;
}

/** Claims up to `batchSize` due items and schedules their next attempt by exponential backoff. */
export async function claimDueItems(pool: pg.Pool, batchSize: number, retry: SafRetryPolicy): Promise<ClaimedBatch> {
  assert(batchSize >= 1, 'batch size is positive');
  assert(retry.retryIntervalMs > 0 && retry.retryIntervalMs <= retry.retryIntervalMsMax, 'retry interval ordered');
  const result = await pool.query<ClaimedRow>(
    `UPDATE upstream_saf_items AS item SET
       attempt_count = item.attempt_count + 1,
       next_attempt_at = now() + make_interval(secs => LEAST($2::float8, $3::float8 * power(2, LEAST(item.attempt_count, 30))) / 1000),
       updated_at = now()
     FROM (SELECT saf_item_id FROM upstream_saf_items
           WHERE state = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at, saf_item_id
           LIMIT $1
           FOR UPDATE SKIP LOCKED) AS due
     WHERE item.saf_item_id = due.saf_item_id
     RETURNING item.saf_item_id, item.item_kind, item.reason, item.amount_fen, item.attempt_count, item.payload`,
    [batchSize, retry.retryIntervalMsMax, retry.retryIntervalMs],
  );
  assert(result.rows.length <= batchSize, 'claim respects the batch size');
  const batch: ClaimedBatch = { items: [], unreadable: [] };
  for (const row of result.rows) {
    try {
      batch.items.push(safItemFromRow(row));
    } catch (error) {
      // One bad row must not stop the queue (or crash-loop the service): it is parked for an operator.
      const message = error instanceof Error ? error.message : String(error);
      batch.unreadable.push({ safItemId: BigInt(row.saf_item_id), error: message });
    }
  }
  assert(batch.items.length + batch.unreadable.length === result.rows.length, 'every claimed row is accounted for');
  return batch;
}

/** Parks an item that can never be sent as it is, whatever its attempt count. */
export async function parkUnreadable(pool: pg.Pool, safItemId: bigint, error: string): Promise<void> {
  await pool.query(
    `UPDATE upstream_saf_items SET state = 'parked', parked_at = now(), last_error = $2, updated_at = now()
     WHERE saf_item_id = $1 AND state = 'pending'`,
    [safItemId, error.slice(0, 500)],
  );
}

/**
 * Completes the item when the answer acknowledges it. After a late approval only 00 counts for a
 * reversal; returns false when the answer does not complete the item (the caller records a failure).
 */
export async function markAcknowledged(pool: pg.Pool, safItemId: bigint, responseCode: string): Promise<boolean> {
  const result = await pool.query(
    `UPDATE upstream_saf_items SET state = 'acknowledged', acknowledged_at = now(), last_response_code = $2,
       last_error = NULL, updated_at = now()
     WHERE saf_item_id = $1 AND state = 'pending' AND NOT (late_approval_seen AND $2 <> '00')`,
    [safItemId, responseCode],
  );
  return result.rowCount === 1;
}

/** Records a failed attempt; parks the item once it has used its attempts. Returns the new state. */
export async function markAttemptFailed(
  pool: pg.Pool,
  safItemId: bigint,
  failure: { responseCode: string | undefined; error: string },
  attemptCountMax: number,
): Promise<'pending' | 'parked' | 'gone'> {
  assert(attemptCountMax >= 1, 'at least one attempt');
  const result = await pool.query<{ state: 'pending' | 'parked' }>(
    `UPDATE upstream_saf_items SET
       last_response_code = COALESCE($2, last_response_code),
       last_error = $3,
       state = CASE WHEN attempt_count >= $4 THEN 'parked' ELSE 'pending' END,
       parked_at = CASE WHEN attempt_count >= $4 THEN now() ELSE NULL END,
       updated_at = now()
     WHERE saf_item_id = $1 AND state = 'pending'
     RETURNING state`,
    [safItemId, failure.responseCode ?? null, failure.error, attemptCountMax],
  );
  return result.rows[0]?.state ?? 'gone';
}

export interface SafQueueSnapshot {
  depth: number;
  oldestAgeSeconds: number;
  parked: number;
}

export async function readQueueSnapshot(pool: pg.Pool): Promise<SafQueueSnapshot> {
  // One sub-select per state, so each uses its partial index instead of scanning the history.
  const result = await pool.query<{
    depth: bigint | string;
    oldest_age_seconds: number | null;
    parked: bigint | string;
  }>(
    `SELECT (SELECT count(*) FROM upstream_saf_items WHERE state = 'pending') AS depth,
            (SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8
               FROM upstream_saf_items WHERE state = 'pending') AS oldest_age_seconds,
            (SELECT count(*) FROM upstream_saf_items WHERE state = 'parked') AS parked`,
  );
  const row = result.rows[0];
  assert(row !== undefined, 'a select without FROM returns one row');
  return {
    depth: Number(row.depth),
    oldestAgeSeconds: row.oldest_age_seconds ?? 0,
    parked: Number(row.parked),
  };
}

/** Deletes up to `batchSize` items acknowledged longer than `retentionMs` ago; returns how many. */
export async function purgeAcknowledged(pool: pg.Pool, retentionMs: number, batchSize: number): Promise<number> {
  assert(retentionMs > 0, 'retention is positive');
  assert(batchSize >= 1, 'purge batch is positive');
  const result = await pool.query(
    `DELETE FROM upstream_saf_items WHERE saf_item_id IN (
       SELECT saf_item_id FROM upstream_saf_items
        WHERE state = 'acknowledged' AND acknowledged_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY acknowledged_at LIMIT $2)`,
    [retentionMs, batchSize],
  );
  const deleted = result.rowCount ?? 0;
  assert(deleted <= batchSize, 'purge respects its batch');
  return deleted;
}

function stringOf(payload: Record<string, unknown>, name: string): string {
  const value = payload[name];
  assert(typeof value === 'string', `SAF payload field ${name} must be a string`);
  return value;
}

function optionalStringOf(payload: Record<string, unknown>, name: string): string | undefined {
  const value = payload[name];
  if (value === undefined || value === null) return undefined;
  assert(typeof value === 'string', `SAF payload field ${name} must be a string`);
  return value;
}

function kindOf(payload: Record<string, unknown>, name: string): UpstreamKind {
  const value = stringOf(payload, name);
  assert((UPSTREAM_KINDS as readonly string[]).includes(value), `SAF payload ${name} is an upstream kind`);
  return value as UpstreamKind;
}

function reversalFromPayload(payload: Record<string, unknown>, reason: string, amountFen: Fen): UpstreamReversal {
  assert((REVERSAL_REASONS as readonly string[]).includes(reason), 'SAF reversal reason is known');
  const reversal: UpstreamReversal = {
    txnId: stringOf(payload, 'txnId'),
    reason: reason as UpstreamReversal['reason'],
    kind: kindOf(payload, 'kind'),
    amountFen,
    networkStan: stringOf(payload, 'networkStan'),
    transmissionDateTime: stringOf(payload, 'transmissionDateTime'),
    terminalId: stringOf(payload, 'terminalId'),
    merchantNumber: stringOf(payload, 'merchantNumber'),
    acquirerInstitutionId: stringOf(payload, 'acquirerInstitutionId'),
    posConditionCode: stringOf(payload, 'posConditionCode'),
  };
  const rrn = optionalStringOf(payload, 'rrn');
  if (rrn !== undefined) reversal.rrn = rrn;
  const authCode = optionalStringOf(payload, 'authCode');
  if (authCode !== undefined) reversal.authCode = authCode;
  return reversal;
}

function adviceFromPayload(payload: Record<string, unknown>, reason: string, amountFen: Fen): UpstreamAdvice {
  assert((ADVICE_REASONS as readonly string[]).includes(reason), 'SAF advice reason is known');
  const original = payload.original;
  assert(typeof original === 'object' && original !== null, 'SAF advice carries its original');
  const originalFields = original as Record<string, unknown>;
  return {
    txnId: stringOf(payload, 'txnId'),
    reason: reason as UpstreamAdvice['reason'],
    kind: kindOf(payload, 'kind'),
    amountFen,
    terminalId: stringOf(payload, 'terminalId'),
    merchantNumber: stringOf(payload, 'merchantNumber'),
    mcc: stringOf(payload, 'mcc'),
    merchantName: stringOf(payload, 'merchantName'),
    acquirerInstitutionId: stringOf(payload, 'acquirerInstitutionId'),
    posEntryMode: stringOf(payload, 'posEntryMode'),
    posConditionCode: stringOf(payload, 'posConditionCode'),
    original: {
      kind: kindOf(originalFields, 'kind'),
      networkStan: stringOf(originalFields, 'networkStan'),
      transmissionDateTime: stringOf(originalFields, 'transmissionDateTime'),
      rrn: stringOf(originalFields, 'rrn'),
      authCode: stringOf(originalFields, 'authCode'),
      amountFen: fen(stringOf(originalFields, 'amountFen')),
    },
  };
}

/** Reads a claimed row back, checking it against the column copy of the amount (paired assertion). */
function safItemFromRow(row: ClaimedRow): SafItem {
  const amountFen = fen(BigInt(row.amount_fen));
  assert(stringOf(row.payload, 'amountFen') === amountFen.toString(), 'SAF payload amount equals the column');
  const safItemId = BigInt(row.saf_item_id);
  if (row.item_kind === 'reversal') {
    return {
      safItemId,
      itemKind: 'reversal',
      attemptCount: row.attempt_count,
      reversal: reversalFromPayload(row.payload, row.reason, amountFen),
    };
  }
  assert(row.item_kind === 'advice', 'SAF item kind is reversal or advice');
  return {
    safItemId,
    itemKind: 'advice',
    attemptCount: row.attempt_count,
    advice: adviceFromPayload(row.payload, row.reason, amountFen),
  };
}

/** The item was claimed but nothing could be sent (no link): give the attempt back and retry soon. */
export async function releaseUnsent(pool: pg.Pool, safItemId: bigint, retryIntervalMs: number): Promise<void> {
  assert(retryIntervalMs > 0, 'retry interval is positive');
  await pool.query(
    `UPDATE upstream_saf_items SET attempt_count = GREATEST(attempt_count - 1, 0),
       next_attempt_at = now() + make_interval(secs => $2::float8 / 1000), updated_at = now()
     WHERE saf_item_id = $1 AND state = 'pending'`,
    [safItemId, retryIntervalMs],
  );
}
