/** The shape of a stored transaction row and its mapping from pg (int8 arrives as bigint via @acq/db). */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import type { CardKind } from '../domain/fee.ts';
import type { TransactionKind } from '../domain/transaction-kind.ts';

export type TransactionStatus = 'pending' | 'approved' | 'declined' | 'timed_out';
export type ClaimState = 'none' | 'held' | 'released';

export interface StoredTransaction {
  readonly txnId: string;
  readonly kind: TransactionKind;
  readonly status: TransactionStatus;
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly stan: string;
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly mcc: string;
  readonly amountFen: Fen;
  readonly posEntryMode: string;
  readonly cardToken: string | null;
  readonly panMasked: string | null;
  readonly posConditionCode: string;
  readonly requestFingerprint: string;
  readonly rrn: string;
  readonly networkStan: string;
  readonly transmissionDateTime: string;
  readonly businessDate: string;
  readonly originalTxnId: string | null;
  readonly claimState: ClaimState;
  readonly authCode: string;
  readonly responseCode: string;
  readonly declineReason: string | null;
  readonly cardKind: CardKind;
  readonly feeFen: Fen;
  readonly balanceFen: Fen | null;
  readonly iccResponse: Uint8Array | null;
  readonly cancelledByTxnId: string | null;
  readonly completedByTxnId: string | null;
  readonly refundedFen: Fen;
  readonly reversed: boolean;
  readonly settled: boolean;
  readonly createdAtMs: number;
}

export const TRANSACTION_COLUMNS = `txn_id, kind, status, terminal_id, batch_number, stan, merchant_id, merchant_number,
  mcc, amount_fen, pos_entry_mode, card_token, pan_masked, pos_condition_code, request_fingerprint, rrn, network_stan,
  transmission_date_time, business_date,
  original_txn_id, claim_state, auth_code, response_code, decline_reason, card_kind, fee_fen, balance_fen,
  icc_response, cancelled_by_txn_id, completed_by_txn_id, refunded_fen, reversed_at IS NOT NULL AS reversed, settled,
  created_at`;

export type TransactionRow = Record<string, unknown>;

export function transactionFromRow(row: TransactionRow): StoredTransaction {
  const amountFen = row.amount_fen;
  const refundedFen = row.refunded_fen;
  assert(typeof amountFen === 'bigint', 'amount_fen is parsed as bigint');
  assert(typeof refundedFen === 'bigint', 'refunded_fen is parsed as bigint');
  assert(refundedFen <= amountFen, 'refunds never exceed the stored amount');
  return {
    txnId: String(row.txn_id),
    kind: row.kind as TransactionKind,
    status: row.status as TransactionStatus,
    terminalId: String(row.terminal_id),
    batchNumber: String(row.batch_number),
    stan: String(row.stan),
    merchantId: String(row.merchant_id),
    merchantNumber: String(row.merchant_number),
    mcc: String(row.mcc),
    amountFen: fen(amountFen),
    posEntryMode: String(row.pos_entry_mode),
    cardToken: nullableText(row.card_token),
    panMasked: nullableText(row.pan_masked),
    posConditionCode: String(row.pos_condition_code),
    requestFingerprint: String(row.request_fingerprint),
    rrn: String(row.rrn),
    networkStan: String(row.network_stan),
    transmissionDateTime: String(row.transmission_date_time),
    businessDate: String(row.business_date),
    originalTxnId: nullableText(row.original_txn_id),
    claimState: row.claim_state as ClaimState,
    authCode: String(row.auth_code),
    responseCode: String(row.response_code),
    declineReason: nullableText(row.decline_reason),
    cardKind: row.card_kind as CardKind,
    feeFen: fen(row.fee_fen as bigint),
    balanceFen: typeof row.balance_fen === 'bigint' ? fen(row.balance_fen) : null,
    iccResponse: nullableBytes(row.icc_response),
    cancelledByTxnId: nullableText(row.cancelled_by_txn_id),
    completedByTxnId: nullableText(row.completed_by_txn_id),
    refundedFen: fen(refundedFen),
    reversed: row.reversed === true,
    settled: row.settled === true,
    createdAtMs: (row.created_at as Date).getTime(),
  };
}

/**
 * The network may hold money for this row: a financial kind with a network identity, which a row
 * gets when its message is sent, and a pending intent already when its identity is reserved (a crash
 * may interrupt the send). A row like this that does not stand is reversed upstream.
 */
export function reversibleAtNetwork(row: Pick<StoredTransaction, 'kind' | 'networkStan'>): boolean {
  return row.kind !== 'balance_inquiry' && row.networkStan !== '';
}

function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function nullableBytes(value: unknown): Uint8Array | null {
  return value instanceof Uint8Array ? value : null;
}

/** pg serialises Buffers (not plain Uint8Arrays) in bytea arrays, so convert at the edge. */
export function bufferOrNull(bytes: Uint8Array | null): Buffer | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
