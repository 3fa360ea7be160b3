/** Card transactions as settlement records them, one row per authorization event's transaction. */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { IsoDate } from '../domain/calendar.ts';
import type { CardKind } from '../domain/fees.ts';
import type { TransactionKind } from '../domain/settlement-events.ts';
import type { Queryable } from './ledger-store.ts';

export type TransactionRecord = {
  readonly txnId: string;
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly terminalId: string;
  readonly kind: TransactionKind;
  readonly amountFen: Fen;
  readonly feeFen: Fen;
  /** The merchant's side: + for credits (amount - fee), - for what a void or refund takes back. */
  readonly netFen: Fen;
  readonly cardKind: CardKind;
  readonly rrn: string;
  readonly authCode: string;
  readonly stan: string;
  readonly batchNumber: string;
  readonly originalTxnId: string | null;
  readonly occurredAtMs: number;
  readonly bookingDate: IsoDate;
  readonly settlementDate: IsoDate;
  readonly settlementMode: 't0' | 't1';
  readonly creditedTo: 'pending' | 'available';
  readonly refundedFen: Fen;
  readonly cancelledBy: string | null;
};

type TransactionRow = {
  txn_id: string;
  merchant_id: string;
  merchant_number: string;
  terminal_id: string;
  kind: TransactionKind;
  amount_fen: bigint;
  fee_fen: bigint;
  net_fen: bigint;
  card_kind: CardKind;
  rrn: string;
  auth_code: string;
  stan: string;
  batch_number: string;
  original_txn_id: string | null;
  occurred_at: Date;
  booking_date: string;
  settlement_date: string;
  settlement_mode: 't0' | 't1';
  credited_to: 'pending' | 'available';
  refunded_fen: bigint;
  cancelled_by: string | null;
};

const SELECT_COLUMNS = `txn_id, merchant_id, merchant_number, terminal_id, kind, amount_fen, fee_fen, net_fen, card_kind,
  rrn, auth_code, stan, batch_number, original_txn_id, occurred_at, booking_date::text AS booking_date,
  settlement_date::text AS settlement_date, credited_to, refunded_fen, cancelled_by,
  CASE WHEN EXISTS (SELECT 1 FROM payouts p WHERE p.txn_id = transactions.txn_id AND p.state <> 'failed')
    THEN 't0' ELSE 't1' END AS settlement_mode`;

function recordFromRow(row: TransactionRow): TransactionRecord {
  return {
    txnId: row.txn_id,
    merchantId: row.merchant_id,
    merchantNumber: row.merchant_number,
    terminalId: row.terminal_id,
    kind: row.kind,
    amountFen: row.amount_fen as Fen,
    feeFen: row.fee_fen as Fen,
    netFen: row.net_fen as Fen,
    cardKind: row.card_kind,
    rrn: row.rrn,
    authCode: row.auth_code,
    stan: row.stan,
    batchNumber: row.batch_number,
    originalTxnId: row.original_txn_id,
    occurredAtMs: row.occurred_at.getTime(),
    bookingDate: row.booking_date,
    settlementDate: row.settlement_date,
    settlementMode: row.settlement_mode,
    creditedTo: row.credited_to,
    refundedFen: row.refunded_fen as Fen,
    cancelledBy: row.cancelled_by,
  };
}

/** Inserts new transactions; returns the ids actually inserted (a re-sent transaction is skipped). */
export async function insertTransactions(
  client: Queryable,
  records: readonly TransactionRecord[],
): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const column = <Value>(pick: (record: TransactionRecord) => Value): Value[] => records.map(pick);
  const result = await client.query<{ txn_id: string }>(
    `INSERT INTO transactions (txn_id, merchant_id, merchant_number, terminal_id, kind, amount_fen, fee_fen, net_fen,
       card_kind, rrn, auth_code, stan, batch_number, original_txn_id, occurred_at, booking_date, settlement_date,
       credited_to)
     SELECT t.txn_id, t.merchant_id, t.merchant_number, t.terminal_id, t.kind, t.amount_fen, t.fee_fen, t.net_fen,
       t.card_kind, t.rrn, t.auth_code, t.stan, t.batch_number, t.original_txn_id, to_timestamp(t.occurred_ms / 1000.0),
       t.booking_date, t.settlement_date, t.credited_to
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
       $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[], $16::date[],
       $17::date[], $18::text[])
       AS t(txn_id, merchant_id, merchant_number, terminal_id, kind, amount_fen, fee_fen, net_fen, card_kind, rrn,
         auth_code, stan, batch_number, original_txn_id, occurred_ms, booking_date, settlement_date, credited_to)
     ON CONFLICT (txn_id) DO NOTHING RETURNING txn_id`,
    [
      column((record) => record.txnId),
      column((record) => record.merchantId),
      column((record) => record.merchantNumber),
      column((record) => record.terminalId),
      column((record) => record.kind),
      column((record) => record.amountFen.toString()),
      column((record) => record.feeFen.toString()),
      column((record) => record.netFen.toString()),
      column((record) => record.cardKind),
      column((record) => record.rrn),
      column((record) => record.authCode),
      column((record) => record.stan),
      column((record) => record.batchNumber),
      column((record) => record.originalTxnId),
      column((record) => record.occurredAtMs),
      column((record) => record.bookingDate),
      column((record) => record.settlementDate),
      column((record) => record.creditedTo),
    ],
  );
  return new Set(result.rows.map((row) => row.txn_id));
}

export async function readTransaction(
  client: Queryable,
  txnId: string,
  lock: 'lock' | 'no_lock',
): Promise<TransactionRecord | undefined> {
  const suffix = lock === 'lock' ? ' FOR NO KEY UPDATE' : '';
  const result = await client.query<TransactionRow>(
    `SELECT ${SELECT_COLUMNS} FROM transactions WHERE txn_id = $1${suffix}`,
    [txnId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : recordFromRow(row);
}

export async function markCancelled(client: Queryable, txnId: string, cancelledBy: string | null): Promise<void> {
  const result = await client.query('UPDATE transactions SET cancelled_by = $2 WHERE txn_id = $1', [
    txnId,
    cancelledBy,
  ]);
  assert(result.rowCount === 1, 'the cancelled transaction exists');
}

export async function addRefunded(client: Queryable, txnId: string, deltaFen: bigint): Promise<void> {
  const result = await client.query('UPDATE transactions SET refunded_fen = refunded_fen + $2 WHERE txn_id = $1', [
    txnId,
    deltaFen.toString(),
  ]);
  assert(result.rowCount === 1, 'the refunded transaction exists');
}

export type TransactionPage = { readonly items: TransactionRecord[]; readonly nextCursor: string | null };

/** A merchant's transactions in [fromMs, toMs), newest first, keyset-paged by (occurred_at, txn_id). */
export async function listTransactions(
  client: Queryable,
  query: { merchantId: string; fromMs: number; toMs: number; limit: number; cursor: string | null },
): Promise<TransactionPage> {
  assert(query.limit >= 1 && query.limit <= 500, 'pages are bounded');
  const [cursorMs, cursorId] = query.cursor === null ? [query.toMs, ''] : decodeCursor(query.cursor);
  const result = await client.query<TransactionRow>(
    `SELECT ${SELECT_COLUMNS} FROM transactions
     WHERE merchant_id = $1 AND occurred_at >= to_timestamp($2::bigint / 1000.0)
       AND (occurred_at, txn_id) < (to_timestamp($3::bigint / 1000.0), $4)
     ORDER BY occurred_at DESC, txn_id DESC LIMIT $5`,
    [
      query.merchantId,
      query.fromMs,
      Math.min(cursorMs, query.toMs),
      cursorId === '' ? '\u{10FFFF}' : cursorId,
      query.limit + 1,
    ],
  );
  const items = result.rows.slice(0, query.limit).map(recordFromRow);
  const last = items.at(-1);
  const nextCursor =
    result.rows.length > query.limit && last !== undefined ? `${last.occurredAtMs}:${last.txnId}` : null;
  return { items, nextCursor };
}

function decodeCursor(cursor: string): [number, string] {
  const separator = cursor.indexOf(':');
  const ms = Number(cursor.slice(0, separator));
  assert(separator > 0 && Number.isSafeInteger(ms), 'cursors come from listTransactions');
  return [ms, cursor.slice(separator + 1)];
}
