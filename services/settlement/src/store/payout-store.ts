/** Payout rows: one per T0 transaction, T1 run (merchant, date) or D0 withdrawal, each with its ledger hold. */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { PayoutKind, PayoutState } from '../domain/payout-state.ts';
import type { SettlementCard } from '../domain/settlement-events.ts';
import type { Queryable } from './ledger-store.ts';

export type NewPayout = {
  readonly payoutId: string;
  readonly merchantId: string;
  readonly kind: PayoutKind;
  readonly txnId: string | null;
  readonly settlementDate: string | null;
  readonly grossFen: Fen;
  readonly surchargeFen: Fen;
  readonly amountFen: Fen;
  readonly holdTransferId: string;
  readonly idempotencyKey: string | null;
};

export type Payout = NewPayout & {
  readonly state: PayoutState;
  readonly attempt: number;
  readonly queryCount: number;
  readonly leaseUntilMs: number | null;
  readonly card: SettlementCard | null;
  readonly failureReason: string | null;
  readonly fellBackToT1: boolean;
  readonly createdAtMs: number;
  readonly completedAtMs: number | null;
};

type PayoutRow = {
  payout_id: string;
  merchant_id: string;
  kind: PayoutKind;
  txn_id: string | null;
  settlement_date: string | null;
  gross_fen: bigint;
  surcharge_fen: bigint;
  amount_fen: bigint;
  hold_transfer_id: string;
  idempotency_key: string | null;
  state: PayoutState;
  attempt: number;
  query_count: number;
  lease_until: Date | null;
  card_token: string | null;
  card_version: bigint | null;
  account_number_encrypted: string | null;
  holder_name: string | null;
  bank_code: string | null;
  failure_reason: string | null;
  fell_back_to_t1: boolean;
  created_at: Date;
  completed_at: Date | null;
};

const PAYOUT_COLUMNS = `payout_id, merchant_id, kind, txn_id, settlement_date::text AS settlement_date, gross_fen,
  surcharge_fen, amount_fen, hold_transfer_id, idempotency_key, state, attempt, query_count, lease_until, card_token,
  card_version, account_number_encrypted, holder_name, bank_code, failure_reason, fell_back_to_t1, created_at, completed_at`;

function payoutFromRow(row: PayoutRow): Payout {
  const hasCard =
    row.card_token !== null &&
    row.account_number_encrypted !== null &&
    row.holder_name !== null &&
    row.bank_code !== null;
  return {
    payoutId: row.payout_id,
    merchantId: row.merchant_id,
    kind: row.kind,
    txnId: row.txn_id,
    settlementDate: row.settlement_date,
    grossFen: row.gross_fen as Fen,
    surchargeFen: row.surcharge_fen as Fen,
    amountFen: row.amount_fen as Fen,
    holdTransferId: row.hold_transfer_id,
    idempotencyKey: row.idempotency_key,
    state: row.state,
    attempt: row.attempt,
    queryCount: row.query_count,
    leaseUntilMs: row.lease_until === null ? null : row.lease_until.getTime(),
    card: hasCard
      ? {
          cardToken: row.card_token ?? '',
          accountNumberEncrypted: row.account_number_encrypted ?? '',
          holderName: row.holder_name ?? '',
          bankCode: row.bank_code ?? '',
          cardVersion: row.card_version ?? 0n,
        }
      : null,
    failureReason: row.failure_reason,
    fellBackToT1: row.fell_back_to_t1,
    createdAtMs: row.created_at.getTime(),
    completedAtMs: row.completed_at === null ? null : row.completed_at.getTime(),
  };
}

export async function insertPayouts(client: Queryable, payouts: readonly NewPayout[], nowMs: number): Promise<void> {
  if (payouts.length === 0) return;
  for (const payout of payouts) {
    assert(payout.grossFen === payout.amountFen + payout.surchargeFen, 'gross = paid + surcharge');
    assert(payout.amountFen > 0n, 'payouts pay a positive amount');
  }
  const column = <Value>(pick: (payout: NewPayout) => Value): Value[] => payouts.map(pick);
  const result = await client.query(
    `INSERT INTO payouts (payout_id, merchant_id, kind, txn_id, settlement_date, gross_fen, surcharge_fen, amount_fen,
       hold_transfer_id, idempotency_key, state, next_action_at, created_at)
     SELECT p.*, 'created', to_timestamp($11::bigint / 1000.0), to_timestamp($11::bigint / 1000.0)
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::bigint[], $7::bigint[], $8::bigint[],
       $9::uuid[], $10::text[]) AS p`,
    [
      column((payout) => payout.payoutId),
      column((payout) => payout.merchantId),
      column((payout) => payout.kind),
      column((payout) => payout.txnId),
      column((payout) => payout.settlementDate),
      column((payout) => payout.grossFen.toString()),
      column((payout) => payout.surchargeFen.toString()),
      column((payout) => payout.amountFen.toString()),
      column((payout) => payout.holdTransferId),
      column((payout) => payout.idempotencyKey),
      nowMs,
    ],
  );
  assert(result.rowCount === payouts.length, 'every payout row is inserted');
}

export async function readPayout(
  client: Queryable,
  payoutId: string,
  lock: 'lock' | 'no_lock',
): Promise<Payout | undefined> {
  const suffix = lock === 'lock' ? ' FOR NO KEY UPDATE' : '';
  const result = await client.query<PayoutRow>(`SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE payout_id = $1${suffix}`, [
    payoutId,
  ]);
  const row = result.rows[0];
  return row === undefined ? undefined : payoutFromRow(row);
}

export async function readPayoutByIdempotencyKey(
  client: Queryable,
  merchantId: string,
  idempotencyKey: string,
): Promise<Payout | undefined> {
  const result = await client.query<PayoutRow>(
    `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE merchant_id = $1 AND idempotency_key = $2`,
    [merchantId, idempotencyKey],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : payoutFromRow(row);
}

/**
 * Claims due payouts for this worker: unfinished, due, and not leased by a live worker. SKIP LOCKED
 * lets replicas share the queue; the lease marks a payout as being worked on across transactions.
 */
export async function claimDuePayouts(
  client: Queryable,
  limit: number,
  nowMs: number,
  leaseMs: number,
): Promise<Payout[]> {
  assert(limit >= 1, 'claim at least one');
  const result = await client.query<PayoutRow>(
    `UPDATE payouts SET lease_until = to_timestamp(($2::bigint + $3::bigint) / 1000.0)
     WHERE payout_id IN (
       SELECT payout_id FROM payouts
       WHERE state IN ('created', 'submitting', 'submitted', 'retry_wait')
         AND next_action_at <= to_timestamp($2::bigint / 1000.0)
         AND (lease_until IS NULL OR lease_until < to_timestamp($2::bigint / 1000.0))
       ORDER BY next_action_at LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED)
     RETURNING ${PAYOUT_COLUMNS}`,
    [limit, nowMs, leaseMs],
  );
  return result.rows.map(payoutFromRow);
}

/**
 * Moves a claimed payout to `submitting` for its next attempt, binding the card on the first one.
 * False when the payout left `created` / `retry_wait` meanwhile (its transaction was cancelled).
 */
export async function markSubmitting(
  client: Queryable,
  payoutId: string,
  attempt: number,
  card: SettlementCard,
  leaseUntilMs: number,
): Promise<boolean> {
  const result = await client.query(
    `UPDATE payouts SET state = 'submitting', attempt = $2, query_count = 0,
       lease_until = to_timestamp($8::bigint / 1000.0),
       card_token = COALESCE(card_token, $3), card_version = COALESCE(card_version, $4),
       account_number_encrypted = COALESCE(account_number_encrypted, $5), holder_name = COALESCE(holder_name, $6),
       bank_code = COALESCE(bank_code, $7)
     WHERE payout_id = $1 AND state IN ('created', 'retry_wait')`,
    [
      payoutId,
      attempt,
      card.cardToken,
      card.cardVersion.toString(),
      card.accountNumberEncrypted,
      card.holderName,
      card.bankCode,
      leaseUntilMs,
    ],
  );
  return result.rowCount === 1;
}

/** Records a non-final step (submitted, retry_wait, stuck) and releases the lease. */
export async function markWaiting(
  client: Queryable,
  update: {
    payoutId: string;
    state: 'submitted' | 'retry_wait' | 'stuck';
    queryCount: number;
    nextActionAtMs: number;
    reason: string | null;
  },
): Promise<void> {
  const result = await client.query(
    `UPDATE payouts SET state = $2, query_count = $3, next_action_at = to_timestamp($4::bigint / 1000.0),
       failure_reason = COALESCE($5, failure_reason), lease_until = NULL
     WHERE payout_id = $1 AND state IN ('submitting', 'submitted')`,
    [update.payoutId, update.state, update.queryCount, update.nextActionAtMs, update.reason],
  );
  assert(result.rowCount === 1, 'only an in-flight payout waits');
}

export async function markFinished(
  client: Queryable,
  update: {
    payoutId: string;
    state: 'succeeded' | 'failed';
    reason: string | null;
    fellBackToT1: boolean;
    nowMs: number;
  },
): Promise<Payout> {
  const result = await client.query<PayoutRow>(
    `UPDATE payouts SET state = $2, failure_reason = $3, fell_back_to_t1 = $4, lease_until = NULL,
       completed_at = to_timestamp($5::bigint / 1000.0)
     WHERE payout_id = $1 AND state NOT IN ('succeeded', 'failed') RETURNING ${PAYOUT_COLUMNS}`,
    [update.payoutId, update.state, update.reason, update.fellBackToT1, update.nowMs],
  );
  const row = result.rows[0];
  assert(result.rowCount === 1 && row !== undefined, 'a payout finishes once');
  const finished = payoutFromRow(row);
  assert(finished.state === update.state, 'the finished payout reads back in its final state');
  return finished;
}

export async function listPayouts(client: Queryable, merchantId: string, limit: number): Promise<Payout[]> {
  assert(limit >= 1 && limit <= 500, 'payout pages are bounded');
  const result = await client.query<PayoutRow>(
    `SELECT ${PAYOUT_COLUMNS} FROM payouts WHERE merchant_id = $1 ORDER BY created_at DESC, payout_id LIMIT $2`,
    [merchantId, limit],
  );
  return result.rows.map(payoutFromRow);
}

/** T0 and D0 money sent or in flight today (counts against the daily quota); failed payouts do not count. */
export async function realTimePayoutGrossSince(
  client: Queryable,
  merchantIds: readonly string[],
  sinceMs: number,
): Promise<Map<string, bigint>> {
  const result = await client.query<{ merchant_id: string; gross_fen: bigint }>(
    `SELECT merchant_id, sum(gross_fen)::bigint AS gross_fen FROM payouts
     WHERE merchant_id = ANY($1::text[]) AND kind IN ('t0', 'd0') AND state <> 'failed'
       AND created_at >= to_timestamp($2::bigint / 1000.0)
     GROUP BY merchant_id`,
    [merchantIds, sinceMs],
  );
  return new Map(result.rows.map((row) => [row.merchant_id, row.gross_fen]));
}

/** Puts a `stuck` payout back in the query loop (operator action after the bank was reachable again). */
export async function recheckStuckPayout(client: Queryable, payoutId: string, nowMs: number): Promise<boolean> {
  const result = await client.query(
    `UPDATE payouts SET state = 'submitted', query_count = 0, next_action_at = to_timestamp($2::bigint / 1000.0),
       lease_until = NULL
     WHERE payout_id = $1 AND state = 'stuck'`,
    [payoutId, nowMs],
  );
  return result.rowCount === 1;
}
