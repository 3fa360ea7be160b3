/**
 * Claims a void, refund or completion holds on its original, taken before going upstream so two
 * concurrent requests (on any replica) can never both void, over-refund or complete the same
 * original. The database conditions are the authority; the domain rules checked before are for the
 * precise decline reason. Releasing is idempotent: the claimant row remembers that it released.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type pg from 'pg';

export type ClaimKind = 'cancel' | 'complete' | 'refund';

export interface Claim {
  readonly claimKind: ClaimKind;
  readonly claimantTxnId: string;
  readonly originalTxnId: string;
  readonly amountFen: Fen;
}

const CLAIM_ORIGINAL_SQL: Readonly<Record<ClaimKind, string>> = {
  cancel: `UPDATE transactions SET cancelled_by_txn_id = $2
    WHERE txn_id = $1 AND status = 'approved' AND reversed_at IS NULL AND settled = false
      AND cancelled_by_txn_id IS NULL AND completed_by_txn_id IS NULL AND refunded_fen = 0
    RETURNING txn_id`,
  complete: `UPDATE transactions SET completed_by_txn_id = $2
    WHERE txn_id = $1 AND status = 'approved' AND reversed_at IS NULL
      AND cancelled_by_txn_id IS NULL AND completed_by_txn_id IS NULL
    RETURNING txn_id`,
  refund: `UPDATE transactions SET refunded_fen = refunded_fen + $2::bigint
    WHERE txn_id = $1 AND status = 'approved' AND reversed_at IS NULL AND cancelled_by_txn_id IS NULL
      AND refunded_fen + $2::bigint <= amount_fen
    RETURNING txn_id`,
};

/** True when the claim was taken; false when the original is no longer eligible. */
export async function claimOriginal(client: pg.PoolClient, claim: Claim): Promise<boolean> {
  assert(claim.amountFen >= 0n, 'claims are for non-negative amounts');
  assert(claim.claimantTxnId !== claim.originalTxnId, 'a transaction cannot claim itself');
  const claimant = await client.query(
    `UPDATE transactions SET claim_state = 'held' WHERE txn_id = $1 AND claim_state = 'none' AND original_txn_id = $2`,
    [claim.claimantTxnId, claim.originalTxnId],
  );
  if (claimant.rowCount !== 1) return false;
  // Cancel and complete record who holds the original ($2); a refund adds its amount ($2) instead.
  const holder = claim.claimKind === 'refund' ? claim.amountFen.toString() : claim.claimantTxnId;
  const parameters = [claim.originalTxnId, holder];
  const original = await client.query(CLAIM_ORIGINAL_SQL[claim.claimKind], parameters);
  if (original.rowCount === 1) return true;
  // The original is no longer eligible: the claimant holds nothing, so a later release changes nothing.
  await client.query(`UPDATE transactions SET claim_state = 'none' WHERE txn_id = $1`, [claim.claimantTxnId]);
  return false;
}

/**
 * Gives a held claim back (the claimant was declined, timed out or reversed). Running it twice, or
 * for a claimant that never held a claim, changes nothing.
 */
export async function releaseClaim(client: pg.PoolClient, claimantTxnId: string): Promise<boolean> {
  const released = await client.query(RELEASE_CLAIM_SQL, [claimantTxnId]);
  assert((released.rowCount ?? 0) <= 1, 'a claimant holds at most one claim');
  return released.rowCount === 1;
}

const RELEASE_CLAIM_SQL = `
WITH claimant AS (
  UPDATE transactions SET claim_state = 'released'
  WHERE txn_id = $1 AND claim_state = 'held'
  RETURNING txn_id, kind, amount_fen, original_txn_id
)
UPDATE transactions o SET
  cancelled_by_txn_id = CASE WHEN o.cancelled_by_txn_id = c.txn_id THEN NULL ELSE o.cancelled_by_txn_id END,
  completed_by_txn_id = CASE WHEN o.completed_by_txn_id = c.txn_id THEN NULL ELSE o.completed_by_txn_id END,
  refunded_fen = CASE WHEN c.kind = 'refund' THEN o.refunded_fen - c.amount_fen ELSE o.refunded_fen END
FROM claimant c
WHERE o.txn_id = c.original_txn_id`;

export function claimKindOf(kind: string): ClaimKind | undefined {
  if (kind === 'void' || kind === 'preauth_void' || kind === 'completion_void') return 'cancel';
  if (kind === 'completion') return 'complete';
  if (kind === 'refund') return 'refund';
  return undefined;
}
