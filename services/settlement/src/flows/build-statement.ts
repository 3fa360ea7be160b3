/**
 * Builds a merchant statement for a day or a month from the transactions, payouts and bills tables
 * and the ledger. The merchant's position is what the platform owes it: pending + available +
 * payable - arrears; each ledger movement is a transfer's effect on that position (transfers between
 * the merchant's own accounts net to zero and are left out).
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import {
  buildStatement,
  type Statement,
  type StatementBill,
  type StatementPayout,
  type StatementPeriod,
  type StatementTransaction,
} from '../domain/statement.ts';
import type { TransferCode } from '../domain/transfers.ts';
import { STATEMENT_ROWS_MAX } from '../limits.ts';
import type { Queryable } from '../store/ledger-store.ts';
import { SettlementError, SettlementErrorCode } from './settlement-context.ts';

const POSITION_EFFECT = `(CASE WHEN c.merchant_id = $1 THEN t.amount_fen ELSE 0 END)
  - (CASE WHEN d.merchant_id = $1 THEN t.amount_fen ELSE 0 END)`;
const MERCHANT_TRANSFERS = `FROM transfers t JOIN accounts d ON d.id = t.debit_account_id JOIN accounts c ON c.id = t.credit_account_id
  WHERE t.merchant_id = $1 AND t.flags IN ('posted', 'post_pending')`;

export async function merchantPositionAt(client: Queryable, merchantId: string, beforeMs: number): Promise<Fen> {
  const result = await client.query<{ position_fen: bigint }>(
    `SELECT COALESCE(sum(${POSITION_EFFECT}), 0)::bigint AS position_fen ${MERCHANT_TRANSFERS}
       AND t.posted_at < to_timestamp($2::bigint / 1000.0)`,
    [merchantId, beforeMs],
  );
  return (result.rows[0]?.position_fen ?? 0n) as Fen;
}

async function movements(
  client: Queryable,
  merchantId: string,
  period: StatementPeriod,
): Promise<Array<{ code: TransferCode; amountFen: Fen }>> {
  const result = await client.query<{ code: TransferCode; amount_fen: bigint }>(
    `SELECT t.code, sum(${POSITION_EFFECT})::bigint AS amount_fen ${MERCHANT_TRANSFERS}
       AND t.posted_at >= to_timestamp($2::bigint / 1000.0) AND t.posted_at < to_timestamp($3::bigint / 1000.0)
     GROUP BY t.code HAVING sum(${POSITION_EFFECT}) <> 0 ORDER BY t.code`,
    [merchantId, period.fromMs, period.toMs],
  );
  return result.rows.map((row) => ({ code: row.code, amountFen: row.amount_fen as Fen }));
}

type StatementWindow = readonly [merchantId: string, fromMs: number, toMs: number, rowsMax: number];

async function readStatementTransactions(client: Queryable, window: StatementWindow): Promise<StatementTransaction[]> {
  const result = await client.query<{
    occurred_ms: string;
    txn_id: string;
    kind: string;
    terminal_id: string;
    rrn: string;
    card_kind: string;
    amount_fen: bigint;
    fee_fen: bigint;
    net_fen: bigint;
  }>(
    `SELECT (extract(epoch FROM occurred_at) * 1000)::bigint::text AS occurred_ms, txn_id, kind, terminal_id, rrn, card_kind,
       amount_fen, CASE WHEN net_fen < 0 THEN -fee_fen ELSE fee_fen END AS fee_fen, net_fen FROM transactions
     WHERE merchant_id = $1 AND occurred_at >= to_timestamp($2::bigint / 1000.0) AND occurred_at < to_timestamp($3::bigint / 1000.0)
       AND kind NOT IN ('PREAUTH', 'PREAUTH_VOID')
     ORDER BY occurred_at, txn_id LIMIT $4`,
    [...window],
  );
  if (result.rows.length > STATEMENT_ROWS_MAX) {
    throw new SettlementError(SettlementErrorCode.invalidInput, 'the period has too many transactions; ask for a day');
  }
  return result.rows.map((row) => ({
    occurredAtMs: Number(row.occurred_ms),
    txnId: row.txn_id,
    kind: row.kind,
    terminalId: row.terminal_id,
    rrn: row.rrn,
    cardKind: row.card_kind,
    amountFen: row.amount_fen as Fen,
    feeFen: row.fee_fen as Fen,
    netFen: row.net_fen as Fen,
  }));
}

async function readStatementPayouts(client: Queryable, window: StatementWindow): Promise<StatementPayout[]> {
  const result = await client.query<{
    completed_ms: string;
    payout_id: string;
    kind: string;
    gross_fen: bigint;
    surcharge_fen: bigint;
    amount_fen: bigint;
  }>(
    `SELECT (extract(epoch FROM completed_at) * 1000)::bigint::text AS completed_ms, payout_id, kind, gross_fen, surcharge_fen, amount_fen
     FROM payouts WHERE merchant_id = $1 AND state = 'succeeded'
       AND completed_at >= to_timestamp($2::bigint / 1000.0) AND completed_at < to_timestamp($3::bigint / 1000.0)
     ORDER BY completed_at, payout_id LIMIT $4`,
    [...window],
  );
  return result.rows.map((row) => ({
    completedAtMs: Number(row.completed_ms),
    payoutId: row.payout_id,
    kind: row.kind,
    grossFen: row.gross_fen as Fen,
    surchargeFen: row.surcharge_fen as Fen,
    amountFen: row.amount_fen as Fen,
  }));
}

async function readStatementBills(client: Queryable, window: StatementWindow): Promise<StatementBill[]> {
  const result = await client.query<{
    raised_on: string;
    bill_id: string;
    kind: string;
    amount_fen: bigint;
    repaid_fen: bigint;
    due_on: string;
  }>(
    `SELECT raised_on::text AS raised_on, bill_id, kind, amount_fen, repaid_fen, due_on::text AS due_on FROM bills
     WHERE merchant_id = $1 AND raised_on >= (to_timestamp($2::bigint / 1000.0) AT TIME ZONE 'Asia/Shanghai')::date
       AND raised_on < (to_timestamp($3::bigint / 1000.0) AT TIME ZONE 'Asia/Shanghai')::date
     ORDER BY raised_on, bill_id LIMIT $4`,
    [...window],
  );
  return result.rows.map((row) => ({
    raisedOn: row.raised_on,
    billId: row.bill_id,
    kind: row.kind,
    amountFen: row.amount_fen as Fen,
    repaidFen: row.repaid_fen as Fen,
    dueOn: row.due_on,
  }));
}

export async function buildMerchantStatement(
  client: Queryable,
  merchantId: string,
  period: StatementPeriod,
): Promise<Statement> {
  assert(period.fromMs < period.toMs, 'statement periods are not empty');
  const window: StatementWindow = [merchantId, period.fromMs, period.toMs, STATEMENT_ROWS_MAX + 1];
  return buildStatement({
    merchantId,
    period,
    transactions: await readStatementTransactions(client, window),
    payouts: await readStatementPayouts(client, window),
    bills: await readStatementBills(client, window),
    openingFen: await merchantPositionAt(client, merchantId, period.fromMs),
    movements: await movements(client, merchantId, period),
    closingFen: await merchantPositionAt(client, merchantId, period.toMs),
  });
}
