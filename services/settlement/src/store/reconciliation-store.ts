/** Reconciliation runs and the exceptions queue (差错). */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { IsoDate } from '../domain/calendar.ts';
import type { PlatformItem } from '../domain/reconciliation.ts';
import type { Queryable } from './ledger-store.ts';

export type ExceptionCategory = 'platform_only' | 'network_only' | 'amount_mismatch';

export type ReconciliationException = {
  readonly exceptionId: string;
  readonly clearingDate: IsoDate;
  readonly category: ExceptionCategory;
  readonly rrn: string;
  readonly txnId: string | null;
  readonly merchantId: string | null;
  readonly platformAmountFen: Fen | null;
  readonly networkAmountFen: Fen | null;
  readonly state: 'open' | 'resolved';
  readonly resolution: string | null;
  readonly adjustmentFen: Fen | null;
  readonly resolvedBy: string | null;
};

export type ReconciliationRun = {
  readonly clearingDate: IsoDate;
  readonly matchedCount: number;
  readonly platformOnlyCount: number;
  readonly networkOnlyCount: number;
  readonly amountMismatchCount: number;
  readonly matchedAmountFen: Fen;
};

/** Platform items of a clearing date: money-moving transactions booked that day and not reversed. */
export async function readPlatformItems(client: Queryable, clearingDate: IsoDate): Promise<PlatformItem[]> {
  const result = await client.query<{
    txn_id: string;
    merchant_id: string;
    kind: string;
    rrn: string;
    amount_fen: bigint;
  }>(
    `SELECT t.txn_id, t.merchant_id, t.kind, t.rrn, t.amount_fen FROM transactions t
     WHERE t.booking_date = $1::date AND t.kind IN ('PURCHASE', 'COMPLETION', 'VOID', 'COMPLETION_VOID', 'REFUND')
       AND NOT EXISTS (SELECT 1 FROM transactions r WHERE r.kind = 'REVERSAL' AND r.original_txn_id = t.txn_id)
     ORDER BY t.occurred_at, t.txn_id`,
    [clearingDate],
  );
  return result.rows.map((row) => ({
    txnId: row.txn_id,
    merchantId: row.merchant_id,
    kind: row.kind,
    rrn: row.rrn,
    amountFen: row.amount_fen as Fen,
  }));
}

export async function saveRun(client: Queryable, run: ReconciliationRun): Promise<void> {
  await client.query(
    `INSERT INTO reconciliation_runs (clearing_date, matched_count, platform_only_count, network_only_count,
       amount_mismatch_count, matched_amount_fen)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (clearing_date) DO UPDATE SET matched_count = EXCLUDED.matched_count,
       platform_only_count = EXCLUDED.platform_only_count, network_only_count = EXCLUDED.network_only_count,
       amount_mismatch_count = EXCLUDED.amount_mismatch_count, matched_amount_fen = EXCLUDED.matched_amount_fen,
       completed_at = now()`,
    [
      run.clearingDate,
      run.matchedCount,
      run.platformOnlyCount,
      run.networkOnlyCount,
      run.amountMismatchCount,
      run.matchedAmountFen.toString(),
    ],
  );
}

export async function readRun(client: Queryable, clearingDate: IsoDate): Promise<ReconciliationRun | undefined> {
  const result = await client.query<{
    clearing_date: string;
    matched_count: number;
    platform_only_count: number;
    network_only_count: number;
    amount_mismatch_count: number;
    matched_amount_fen: bigint;
  }>('SELECT *, clearing_date::text AS clearing_date FROM reconciliation_runs WHERE clearing_date = $1::date', [
    clearingDate,
  ]);
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    clearingDate: row.clearing_date,
    matchedCount: row.matched_count,
    platformOnlyCount: row.platform_only_count,
    networkOnlyCount: row.network_only_count,
    amountMismatchCount: row.amount_mismatch_count,
    matchedAmountFen: row.matched_amount_fen as Fen,
  };
}

export type NewException = Omit<
  ReconciliationException,
  'state' | 'resolution' | 'adjustmentFen' | 'resolvedBy' | 'exceptionId'
>;

export function exceptionIdFor(item: NewException): string {
  return `rex_${item.clearingDate.replaceAll('-', '')}_${item.category}_${item.rrn}`;
}

/** Queues exceptions; one already queued (open or resolved) for the same date, category and RRN is kept. */
export async function queueExceptions(client: Queryable, items: readonly NewException[]): Promise<void> {
  if (items.length === 0) return;
  const column = <Value>(pick: (item: NewException) => Value): Value[] => items.map(pick);
  await client.query(
    `INSERT INTO reconciliation_exceptions (exception_id, clearing_date, category, rrn, txn_id, merchant_id,
       platform_amount_fen, network_amount_fen, state)
     SELECT e.*, 'open' FROM unnest($1::text[], $2::date[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[]) AS e
     ON CONFLICT (clearing_date, category, rrn) DO NOTHING`,
    [
      column(exceptionIdFor),
      column((item) => item.clearingDate),
      column((item) => item.category),
      column((item) => item.rrn),
      column((item) => item.txnId),
      column((item) => item.merchantId),
      column((item) => item.platformAmountFen?.toString() ?? null),
      column((item) => item.networkAmountFen?.toString() ?? null),
    ],
  );
}

type ExceptionRow = {
  exception_id: string;
  clearing_date: string;
  category: ExceptionCategory;
  rrn: string;
  txn_id: string | null;
  merchant_id: string | null;
  platform_amount_fen: bigint | null;
  network_amount_fen: bigint | null;
  state: 'open' | 'resolved';
  resolution: string | null;
  adjustment_fen: bigint | null;
  resolved_by: string | null;
};

function exceptionFromRow(row: ExceptionRow): ReconciliationException {
  return {
    exceptionId: row.exception_id,
    clearingDate: row.clearing_date,
    category: row.category,
    rrn: row.rrn,
    txnId: row.txn_id,
    merchantId: row.merchant_id,
    platformAmountFen: row.platform_amount_fen as Fen | null,
    networkAmountFen: row.network_amount_fen as Fen | null,
    state: row.state,
    resolution: row.resolution,
    adjustmentFen: row.adjustment_fen as Fen | null,
    resolvedBy: row.resolved_by,
  };
}

const EXCEPTION_COLUMNS = `exception_id, clearing_date::text AS clearing_date, category, rrn, txn_id, merchant_id,
  platform_amount_fen, network_amount_fen, state, resolution, adjustment_fen, resolved_by`;

export async function listExceptions(
  client: Queryable,
  clearingDate: IsoDate,
  state: 'open' | 'resolved' | 'all',
): Promise<ReconciliationException[]> {
  const result = await client.query<ExceptionRow>(
    `SELECT ${EXCEPTION_COLUMNS} FROM reconciliation_exceptions WHERE clearing_date = $1::date AND ($2 = 'all' OR state = $2)
     ORDER BY category, rrn`,
    [clearingDate, state],
  );
  return result.rows.map(exceptionFromRow);
}

export async function readException(
  client: Queryable,
  exceptionId: string,
  lock: 'lock' | 'no_lock',
): Promise<ReconciliationException | undefined> {
  const suffix = lock === 'lock' ? ' FOR NO KEY UPDATE' : '';
  const result = await client.query<ExceptionRow>(
    `SELECT ${EXCEPTION_COLUMNS} FROM reconciliation_exceptions WHERE exception_id = $1${suffix}`,
    [exceptionId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : exceptionFromRow(row);
}

export async function markResolved(
  client: Queryable,
  update: { exceptionId: string; resolution: string; adjustmentFen: Fen | null; resolvedBy: string; nowMs: number },
): Promise<void> {
  const result = await client.query(
    `UPDATE reconciliation_exceptions SET state = 'resolved', resolution = $2, adjustment_fen = $3, resolved_by = $4,
       resolved_at = to_timestamp($5::bigint / 1000.0)
     WHERE exception_id = $1 AND state = 'open'`,
    [update.exceptionId, update.resolution, update.adjustmentFen?.toString() ?? null, update.resolvedBy, update.nowMs],
  );
  assert(result.rowCount === 1, 'an open exception is resolved once');
}
