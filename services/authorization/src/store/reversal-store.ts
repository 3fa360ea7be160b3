/**
 * Terminal reversals (0400). A reversal names its original by terminal + batch + trace. It is
 * idempotent: the first one queues the upstream reversal (the connector's SAF table lives in this
 * schema, so it joins the transaction), marks the original reversed, gives back any claim the
 * original held on its own original (a reversed void un-voids, a reversed refund frees its amount)
 * and writes the TransactionReversed event, all in one transaction; later ones find it reversed.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import type pg from 'pg';
import type { OutboxEvent } from '../flows/ports.ts';
import { releaseClaim } from './original-claims.ts';
import {
  reversibleAtNetwork,
  type StoredTransaction,
  TRANSACTION_COLUMNS,
  type TransactionRow,
  transactionFromRow,
} from './transaction-row.ts';
import type { OutboxWriter } from './transaction-store.ts';

export type ReversalRecord =
  | { readonly kind: 'original_not_found' }
  | { readonly kind: 'already_reversed'; readonly original: StoredTransaction }
  | { readonly kind: 'nothing_to_reverse'; readonly original: StoredTransaction }
  | {
      readonly kind: 'reversed';
      readonly original: StoredTransaction;
      /** False for an original still pending: its owner, or crash recovery, reverses it upstream. */
      readonly upstreamQueued: boolean;
    };

export interface ReversalInput {
  readonly originalTxnId: string;
  readonly reasonCode: string;
  /** Events for an original that was approved (money moved); none for pending or timed-out ones. */
  readonly eventsIfApproved: (original: StoredTransaction) => readonly OutboxEvent[];
  /** Queues the network reversal inside this transaction, for completed originals the network may hold money for. */
  readonly enqueueUpstream: (client: pg.PoolClient, original: StoredTransaction) => Promise<void>;
}

export async function recordReversal(
  pool: pg.Pool,
  writeOutbox: OutboxWriter,
  input: ReversalInput,
): Promise<ReversalRecord> {
  assert(/^[0-9A-Z]{2}$/.test(input.reasonCode), 'reversal reasons are two-character codes');
  return withTransaction(pool, async (client) => {
    const locked = await client.query<TransactionRow>(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE txn_id = $1 FOR UPDATE`,
      [input.originalTxnId],
    );
    const row = locked.rows[0];
    if (row === undefined) return { kind: 'original_not_found' };
    const original = transactionFromRow(row);
    if (original.reversed) return { kind: 'already_reversed', original };
    if (original.status === 'declined') return { kind: 'nothing_to_reverse', original };
    // A pending original may still be on its way to the network: a reversal queued now could overtake
    // it and be acknowledged (25) before the approval, so the pending row's owner or recovery does it.
    const upstreamQueued = original.status !== 'pending' && reversibleAtNetwork(original);
    if (upstreamQueued) await input.enqueueUpstream(client, original);
    await client.query(`UPDATE transactions SET reversed_at = now(), reversal_reason = $2 WHERE txn_id = $1`, [
      original.txnId,
      input.reasonCode,
    ]);
    await releaseClaim(client, original.txnId);
    if (original.status === 'approved') await writeOutbox(client, input.eventsIfApproved(original));
    return { kind: 'reversed', original, upstreamQueued };
  });
}
