/**
 * Crash recovery: intents still pending after the transaction budget belong to a process that died
 * (or a write that failed) between "intent recorded" and "outcome recorded". Each is marked
 * timed_out with its claim released and, when the network may hold money for it, its upstream
 * reversal queued, all in one SQL transaction on the locked row: a second pass or another replica
 * finds it no longer pending, and the SAF table keeps one reversal per transaction.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import type pg from 'pg';
import { releaseClaim } from './original-claims.ts';
import {
  reversibleAtNetwork,
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

export type InterruptedIntentResult =
  | { readonly kind: 'not_pending' }
  | { readonly kind: 'timed_out'; readonly intent: StoredTransaction; readonly upstreamQueued: boolean };

/**
 * Marks one stale intent timed out (no-op if it completed meanwhile), gives back its claim and, for
 * an intent the network may hold money for, queues its upstream reversal inside the same transaction.
 */
export async function closeInterruptedIntent(
  pool: pg.Pool,
  txnId: string,
  responseCode: string,
  enqueueUpstream: (client: pg.PoolClient, intent: StoredTransaction) => Promise<void>,
): Promise<InterruptedIntentResult> {
  return withTransaction(pool, async (client) => {
    const locked = await client.query<TransactionRow>(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE txn_id = $1 AND status = 'pending' FOR UPDATE`,
      [txnId],
    );
    const row = locked.rows[0];
    if (row === undefined) return { kind: 'not_pending' };
    const intent = transactionFromRow(row);
    const upstreamQueued = reversibleAtNetwork(intent);
    if (upstreamQueued) await enqueueUpstream(client, intent);
    const updated = await client.query(
      `UPDATE transactions SET status = 'timed_out', response_code = $2, decline_reason = 'upstream_timeout',
         completed_at = now()
       WHERE txn_id = $1 AND status = 'pending'`,
      [txnId, responseCode],
    );
    assert(updated.rowCount === 1, 'the locked pending intent is updated');
    await releaseClaim(client, txnId);
    return { kind: 'timed_out', intent, upstreamQueued };
  });
}
