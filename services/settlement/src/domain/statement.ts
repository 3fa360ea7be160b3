/**
 * Merchant statements (对账单), pure: the period arithmetic, the totals and the CSV rendering.
 * The ledger summary (opening position + movements = closing position) is what makes the statement
 * add up to the ledger; the transaction, payout and bill lines explain the movements.
 */
import { assert } from '@acq/assert';
import { type Fen, fen, formatYuan, sumFen } from '@acq/money';
import { addDays, isIsoDate, localDayStartMs } from './calendar.ts';
import type { TransferCode } from './transfers.ts';

export type StatementPeriod = { readonly label: string; readonly fromMs: number; readonly toMs: number };

/** `YYYY-MM-DD` (a day) or `YYYY-MM` (a month) in Asia/Shanghai; undefined when malformed. */
export function statementPeriodOf(label: string): StatementPeriod | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(label)) {
    if (!isIsoDate(label)) return undefined;
    return { label, fromMs: localDayStartMs(label), toMs: localDayStartMs(addDays(label, 1)) };
  }
  if (!/^\d{4}-\d{2}$/.test(label) || !isIsoDate(`${label}-01`)) return undefined;
  const first = `${label}-01`;
  const year = Number(label.slice(0, 4));
  const month = Number(label.slice(5, 7));
  const next = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
  return { label, fromMs: localDayStartMs(first), toMs: localDayStartMs(next) };
}

export type StatementTransaction = {
  readonly occurredAtMs: number;
  readonly txnId: string;
  readonly kind: string;
  readonly terminalId: string;
  readonly rrn: string;
  readonly cardKind: string;
  readonly amountFen: Fen;
  readonly feeFen: Fen;
  /** The transaction's effect on what the platform owes the merchant. */
  readonly netFen: Fen;
};

export type StatementPayout = {
  readonly completedAtMs: number;
  readonly payoutId: string;
  readonly kind: string;
  readonly grossFen: Fen;
  readonly surchargeFen: Fen;
  readonly amountFen: Fen;
};

export type StatementBill = {
  readonly raisedOn: string;
  readonly billId: string;
  readonly kind: string;
  readonly amountFen: Fen;
  readonly repaidFen: Fen;
  readonly dueOn: string;
};

export type LedgerMovement = { readonly code: TransferCode; readonly amountFen: Fen };

export type Statement = {
  readonly merchantId: string;
  readonly period: StatementPeriod;
  readonly transactions: readonly StatementTransaction[];
  readonly payouts: readonly StatementPayout[];
  readonly bills: readonly StatementBill[];
  readonly openingFen: Fen;
  readonly movements: readonly LedgerMovement[];
  readonly closingFen: Fen;
  readonly totals: {
    readonly transactionAmountFen: Fen;
    readonly feeFen: Fen;
    readonly netFen: Fen;
    readonly paidOutFen: Fen;
    readonly surchargeFen: Fen;
    readonly billedFen: Fen;
  };
};

export function buildStatement(input: Omit<Statement, 'totals'>): Statement {
  const movementTotal = sumFen(input.movements.map((movement) => movement.amountFen));
  assert(input.openingFen + movementTotal === input.closingFen, 'opening + movements = closing');
  const credits = input.transactions.filter((line) => line.netFen > 0n);
  return {
    ...input,
    totals: {
      transactionAmountFen: sumFen(credits.map((line) => line.amountFen)),
      feeFen: sumFen(input.transactions.map((line) => line.feeFen)),
      netFen: sumFen(input.transactions.map((line) => line.netFen)),
      paidOutFen: sumFen(input.payouts.map((line) => line.amountFen)),
      surchargeFen: sumFen(input.payouts.map((line) => line.surchargeFen)),
      billedFen: sumFen(input.bills.map((line) => line.amountFen)),
    },
  };
}

const COLUMNS = [
  'section',
  'time',
  'reference',
  'kind',
  'terminal_id',
  'rrn',
  'card_kind',
  'amount',
  'fee',
  'net',
  'note',
];

function localTimeText(epochMs: number): string {
  return new Date(epochMs + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Quotes a CSV cell; a leading formula character is neutralised so spreadsheets never execute it. */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** CSV (UTF-8, amounts in yuan with two decimals, times in Asia/Shanghai). */
export function statementCsv(statement: Statement): string {
  const rows: string[][] = [COLUMNS];
  for (const line of statement.transactions) {
    rows.push([
      'transaction',
      localTimeText(line.occurredAtMs),
      line.txnId,
      line.kind,
      line.terminalId,
      line.rrn,
      line.cardKind,
      formatYuan(line.amountFen),
      formatYuan(line.feeFen),
      formatYuan(line.netFen),
      '',
    ]);
  }
  for (const line of statement.payouts) {
    rows.push([
      'payout',
      localTimeText(line.completedAtMs),
      line.payoutId,
      line.kind,
      '',
      '',
      '',
      formatYuan(line.grossFen),
      formatYuan(line.surchargeFen),
      formatYuan(fen(-line.amountFen)),
      'paid to settlement card',
    ]);
  }
  for (const line of statement.bills) {
    rows.push([
      'bill',
      line.raisedOn,
      line.billId,
      line.kind,
      '',
      '',
      '',
      formatYuan(line.amountFen),
      '',
      formatYuan(fen(-line.amountFen)),
      `repaid ${formatYuan(line.repaidFen)}, due ${line.dueOn}`,
    ]);
  }
  const summary = (kind: string, amountFen: Fen) => [
    'summary',
    '',
    statement.merchantId,
    kind,
    '',
    '',
    '',
    '',
    '',
    formatYuan(amountFen),
    statement.period.label,
  ];
  rows.push(summary('opening_balance', statement.openingFen));
  for (const movement of statement.movements) rows.push(summary(movement.code, movement.amountFen));
  rows.push(summary('closing_balance', statement.closingFen));
  rows.push(summary('total_transaction_amount', statement.totals.transactionAmountFen));
  rows.push(summary('total_fee', statement.totals.feeFen));
  rows.push(summary('total_paid_out', statement.totals.paidOutFen));
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}
