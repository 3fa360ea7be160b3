/**
 * Crash recovery: intents still pending after the transaction budget belong to a process that died
 * (or a write that failed) between "intent recorded" and "outcome recorded". They are marked
 * timed_out, their claims released, after the caller has queued their upstream reversal.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import type pg from 'pg';
import { releaseClaim } from './original-claims.ts';
import {
  type StoredTransaction,
  TRANSACTION_COLUMNS,
  type TransactionRow,
  transactionFromRow,
} from './transaction-row.ts';

export async function findStalePendingIntents(
  pool: pg.Pool,
  olderThanMs: number,
  limit: number,
): Promise<StoredTransaction[]> {
  assert(olderThanMs > 0 && limit > 0, 'recovery looks back a positive age for a positive count');
  const result = await pool.query<TransactionRow>(
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions
     WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
     ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return result.rows.map(transactionFromRow);
}

/** Marks one stale intent timed out (no-op if it completed meanwhile) and gives back its claim. */
export async function markIntentTimedOut(pool: pg.Pool, txnId: string, responseCode: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const updated = await client.query(
      `UPDATE transactions SET status = 'timed_out', response_code = $2, decline_reason = 'upstream_timeout',
         completed_at = now()
       WHERE txn_id = $1 AND status = 'pending'`,
      [txnId, responseCode],
    );
    if (updated.rowCount !== 1) return false;
    await releaseClaim(client, txnId);
    return true;
  });
}
