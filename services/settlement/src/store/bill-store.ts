/** Bills (arrears the merchant owes) and their repayments. */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { IsoDate } from '../domain/calendar.ts';
import type { Queryable } from './ledger-store.ts';

export const BILL_KINDS = ['refund_shortfall', 'void_shortfall', 'chargeback', 'service_fee', 'adjustment'] as const;
export type BillKind = (typeof BILL_KINDS)[number];

export type Bill = {
  readonly billId: string;
  readonly merchantId: string;
  readonly kind: BillKind;
  readonly sourceReference: string;
  readonly amountFen: Fen;
  readonly repaidFen: Fen;
  readonly raisedOn: IsoDate;
  readonly dueOn: IsoDate;
  readonly state: 'open' | 'paid';
};

type BillRow = {
  bill_id: string;
  merchant_id: string;
  kind: BillKind;
  source_reference: string;
  amount_fen: bigint;
  repaid_fen: bigint;
  raised_on: string;
  due_on: string;
  state: 'open' | 'paid';
};

const BILL_COLUMNS = `bill_id, merchant_id, kind, source_reference, amount_fen, repaid_fen, raised_on::text AS raised_on,
  due_on::text AS due_on, state`;

function billFromRow(row: BillRow): Bill {
  return {
    billId: row.bill_id,
    merchantId: row.merchant_id,
    kind: row.kind,
    sourceReference: row.source_reference,
    amountFen: row.amount_fen as Fen,
    repaidFen: row.repaid_fen as Fen,
    raisedOn: row.raised_on,
    dueOn: row.due_on,
    state: row.state,
  };
}

export function billIdFor(kind: BillKind, sourceReference: string): string {
  return `bill_${kind}_${sourceReference}`;
}

/** Raises a bill once per (kind, source); a replay finds the existing one (`raised` undefined). */
export async function raiseBill(
  client: Queryable,
  bill: Omit<Bill, 'billId' | 'repaidFen' | 'state'>,
): Promise<{ billId: string; raised: Bill | undefined }> {
  assert(bill.amountFen > 0n, 'bills are for positive amounts');
  assert(bill.dueOn >= bill.raisedOn, 'a bill is due after it is raised');
  const billId = billIdFor(bill.kind, bill.sourceReference);
  const result = await client.query<BillRow>(
    `INSERT INTO bills (bill_id, merchant_id, kind, source_reference, amount_fen, raised_on, due_on, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'open') ON CONFLICT (kind, source_reference) DO NOTHING
     RETURNING ${BILL_COLUMNS}`,
    [billId, bill.merchantId, bill.kind, bill.sourceReference, bill.amountFen.toString(), bill.raisedOn, bill.dueOn],
  );
  const row = result.rows[0];
  return { billId, raised: row === undefined ? undefined : billFromRow(row) };
}

export async function readOpenBills(client: Queryable, merchantId: string, lock: 'lock' | 'no_lock'): Promise<Bill[]> {
  const suffix = lock === 'lock' ? ' FOR NO KEY UPDATE' : '';
  const result = await client.query<BillRow>(
    `SELECT ${BILL_COLUMNS} FROM bills WHERE merchant_id = $1 AND state = 'open' ORDER BY raised_on, bill_id${suffix}`,
    [merchantId],
  );
  return result.rows.map(billFromRow);
}

export async function readBill(client: Queryable, billId: string, lock: 'lock' | 'no_lock'): Promise<Bill | undefined> {
  const suffix = lock === 'lock' ? ' FOR NO KEY UPDATE' : '';
  const result = await client.query<BillRow>(`SELECT ${BILL_COLUMNS} FROM bills WHERE bill_id = $1${suffix}`, [billId]);
  const row = result.rows[0];
  return row === undefined ? undefined : billFromRow(row);
}

export async function listBills(
  client: Queryable,
  merchantId: string,
  state: 'open' | 'paid' | 'all',
  limit: number,
): Promise<Bill[]> {
  assert(limit >= 1 && limit <= 500, 'bill pages are bounded');
  const result = await client.query<BillRow>(
    `SELECT ${BILL_COLUMNS} FROM bills WHERE merchant_id = $1 AND ($2 = 'all' OR state = $2)
     ORDER BY raised_on DESC, bill_id LIMIT $3`,
    [merchantId, state, limit],
  );
  return result.rows.map(billFromRow);
}

/** Applies a repayment to a bill (partial allowed); the bill is paid when nothing is outstanding. */
export async function applyRepaymentToBill(client: Queryable, billId: string, amountFen: Fen): Promise<Bill> {
  assert(amountFen > 0n, 'repayments are positive');
  const result = await client.query<BillRow>(
    `UPDATE bills SET repaid_fen = repaid_fen + $2,
       state = CASE WHEN repaid_fen + $2 = amount_fen THEN 'paid' ELSE 'open' END
     WHERE bill_id = $1 AND state = 'open' AND repaid_fen + $2 <= amount_fen RETURNING ${BILL_COLUMNS}`,
    [billId, amountFen.toString()],
  );
  const row = result.rows[0];
  assert(result.rowCount === 1 && row !== undefined, 'a repayment fits its open bill');
  return billFromRow(row);
}

/** Merchants among `merchantIds` with an open bill past its due date (T0 is suspended for them). */
export async function merchantsWithOverdueBills(
  client: Queryable,
  merchantIds: readonly string[],
  today: IsoDate,
): Promise<Set<string>> {
  const result = await client.query<{ merchant_id: string }>(
    `SELECT DISTINCT merchant_id FROM bills WHERE merchant_id = ANY($1::text[]) AND state = 'open' AND due_on < $2::date`,
    [merchantIds, today],
  );
  return new Set(result.rows.map((row) => row.merchant_id));
}

export async function merchantsWithOpenBills(client: Queryable, merchantIds: readonly string[]): Promise<Set<string>> {
  const result = await client.query<{ merchant_id: string }>(
    `SELECT DISTINCT merchant_id FROM bills WHERE merchant_id = ANY($1::text[]) AND state = 'open'`,
    [merchantIds],
  );
  return new Set(result.rows.map((row) => row.merchant_id));
}

export type RepaymentState = 'pending' | 'succeeded' | 'failed' | 'unknown';
export type Repayment = {
  readonly repaymentId: string;
  readonly billId: string;
  readonly merchantId: string;
  readonly method: 'bank_card' | 'wallet' | 'settlement';
  readonly walletProvider: string | null;
  readonly amountFen: Fen;
  readonly state: RepaymentState;
  readonly failureCode: string | null;
  readonly idempotencyKey: string;
};

type RepaymentRow = {
  repayment_id: string;
  bill_id: string;
  merchant_id: string;
  method: Repayment['method'];
  wallet_provider: string | null;
  amount_fen: bigint;
  state: RepaymentState;
  failure_code: string | null;
  idempotency_key: string;
};

function repaymentFromRow(row: RepaymentRow): Repayment {
  return {
    repaymentId: row.repayment_id,
    billId: row.bill_id,
    merchantId: row.merchant_id,
    method: row.method,
    walletProvider: row.wallet_provider,
    amountFen: row.amount_fen as Fen,
    state: row.state,
    failureCode: row.failure_code,
    idempotencyKey: row.idempotency_key,
  };
}

/** Records a repayment attempt; returns the stored row (the earlier one when the idempotency key repeats). */
export async function insertRepayment(client: Queryable, repayment: Repayment): Promise<Repayment> {
  await client.query(
    `INSERT INTO repayments (repayment_id, bill_id, merchant_id, method, wallet_provider, amount_fen, state, failure_code,
       idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
    [
      repayment.repaymentId,
      repayment.billId,
      repayment.merchantId,
      repayment.method,
      repayment.walletProvider,
      repayment.amountFen.toString(),
      repayment.state,
      repayment.failureCode,
      repayment.idempotencyKey,
    ],
  );
  const stored = await readRepaymentByKey(client, repayment.merchantId, repayment.idempotencyKey);
  assert(stored !== undefined, 'the repayment exists after insert');
  return stored;
}

export async function readRepaymentByKey(
  client: Queryable,
  merchantId: string,
  idempotencyKey: string,
): Promise<Repayment | undefined> {
  const result = await client.query<RepaymentRow>(
    'SELECT * FROM repayments WHERE merchant_id = $1 AND idempotency_key = $2',
    [merchantId, idempotencyKey],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : repaymentFromRow(row);
}

export async function setRepaymentState(
  client: Queryable,
  repaymentId: string,
  state: RepaymentState,
  failureCode: string | null,
): Promise<void> {
  const result = await client.query(
    `UPDATE repayments SET state = $2, failure_code = $3 WHERE repayment_id = $1 AND state IN ('pending', 'unknown')`,
    [repaymentId, state, failureCode],
  );
  assert(result.rowCount === 1, 'only an unfinished repayment changes state');
}
