/**
 * Batch settlement (0500) and batch upload (0320). The host's totals for a terminal batch count
 * approved, unreversed, uncancelled purchases and completions as debits and approved, unreversed
 * refunds as credits. Settling closes the batch: its transactions can no longer be voided.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { fen } from '@acq/money';
import type pg from 'pg';
import { type BatchTotals, compareBatchTotals, type SettlementResult } from '../domain/batch-totals.ts';
import type { OutboxEvent } from '../flows/ports.ts';
import type { OutboxWriter } from './transaction-store.ts';

export interface BatchSettlementInput {
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly merchantId: string;
  readonly terminalTotals: BatchTotals;
  readonly events: (hostTotals: BatchTotals, result: SettlementResult) => readonly OutboxEvent[];
}

export interface BatchSettlementRecord {
  readonly hostTotals: BatchTotals;
  readonly result: SettlementResult;
}

const HOST_TOTALS_SQL = `
SELECT
  coalesce(sum(amount_fen) FILTER (WHERE kind IN ('purchase', 'completion') AND cancelled_by_txn_id IS NULL), 0)::bigint
    AS debit_amount_fen,
  count(*) FILTER (WHERE kind IN ('purchase', 'completion') AND cancelled_by_txn_id IS NULL)::integer AS debit_count,
  coalesce(sum(amount_fen) FILTER (WHERE kind = 'refund'), 0)::bigint AS credit_amount_fen,
  count(*) FILTER (WHERE kind = 'refund')::integer AS credit_count
FROM transactions
WHERE terminal_id = $1 AND batch_number = $2 AND status = 'approved' AND reversed_at IS NULL`;

export async function hostBatchTotals(
  client: pg.ClientBase,
  terminalId: string,
  batchNumber: string,
): Promise<BatchTotals> {
  const result = await client.query<Record<string, unknown>>(HOST_TOTALS_SQL, [terminalId, batchNumber]);
  const row = result.rows[0];
  assert(row !== undefined, 'an aggregate always returns one row');
  const totals: BatchTotals = {
    debitAmountFen: fen(row.debit_amount_fen as bigint),
    debitCount: Number(row.debit_count),
    creditAmountFen: fen(row.credit_amount_fen as bigint),
    creditCount: Number(row.credit_count),
  };
  assert(totals.debitAmountFen >= 0n && totals.creditAmountFen >= 0n, 'host totals are never negative');
  return totals;
}

export async function settleBatch(
  pool: pg.Pool,
  writeOutbox: OutboxWriter,
  input: BatchSettlementInput,
): Promise<BatchSettlementRecord> {
  return withTransaction(pool, async (client) => {
    // Lock the batch's rows so a void racing the settlement either finishes first or sees it settled.
    await client.query(`SELECT 1 FROM transactions WHERE terminal_id = $1 AND batch_number = $2 FOR UPDATE`, [
      input.terminalId,
      input.batchNumber,
    ]);
    const hostTotals = await hostBatchTotals(client, input.terminalId, input.batchNumber);
    const result = compareBatchTotals(input.terminalTotals, hostTotals);
    await client.query(UPSERT_SETTLEMENT_SQL, settlementParameters(input, hostTotals, result));
    await client.query(`UPDATE transactions SET settled = true WHERE terminal_id = $1 AND batch_number = $2`, [
      input.terminalId,
      input.batchNumber,
    ]);
    await writeOutbox(client, input.events(hostTotals, result));
    return { hostTotals, result };
  });
}

const UPSERT_SETTLEMENT_SQL = `
INSERT INTO batch_settlements (terminal_id, batch_number, merchant_id, terminal_debit_amount_fen, terminal_debit_count,
  terminal_credit_amount_fen, terminal_credit_count, host_debit_amount_fen, host_debit_count, host_credit_amount_fen,
  host_credit_count, result)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (terminal_id, batch_number) DO UPDATE SET
  terminal_debit_amount_fen = EXCLUDED.terminal_debit_amount_fen, terminal_debit_count = EXCLUDED.terminal_debit_count,
  terminal_credit_amount_fen = EXCLUDED.terminal_credit_amount_fen,
  terminal_credit_count = EXCLUDED.terminal_credit_count, host_debit_amount_fen = EXCLUDED.host_debit_amount_fen,
  host_debit_count = EXCLUDED.host_debit_count, host_credit_amount_fen = EXCLUDED.host_credit_amount_fen,
  host_credit_count = EXCLUDED.host_credit_count, result = EXCLUDED.result, settled_at = now()`;

function settlementParameters(input: BatchSettlementInput, host: BatchTotals, result: SettlementResult): unknown[] {
  const terminal = input.terminalTotals;
  return [
    input.terminalId,
    input.batchNumber,
    input.merchantId,
    terminal.debitAmountFen.toString(),
    terminal.debitCount,
    terminal.creditAmountFen.toString(),
    terminal.creditCount,
    host.debitAmountFen.toString(),
    host.debitCount,
    host.creditAmountFen.toString(),
    host.creditCount,
    result,
  ];
}

/** Records a 0320 upload. Uploads for a batch that was never settled are refused (false). */
export async function recordBatchUpload(
  pool: pg.Pool,
  terminalId: string,
  batchNumber: string,
  recordCount: number,
): Promise<boolean> {
  assert(Number.isInteger(recordCount) && recordCount >= 0, 'record counts are non-negative integers');
  const result = await pool.query(
    `UPDATE batch_settlements SET uploaded_record_count = uploaded_record_count + $3
     WHERE terminal_id = $1 AND batch_number = $2`,
    [terminalId, batchNumber, recordCount],
  );
  return result.rowCount === 1;
}
