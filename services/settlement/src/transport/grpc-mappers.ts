/** Domain records to protobuf messages (int64 stays bigint; absent values become the proto defaults). */
import type {
  Balance,
  ReconciliationException as ExceptionMessage,
  ReconciliationRun as RunMessage,
  Repayment as RepaymentMessage,
  SettlementTransaction,
  Statement as StatementMessage,
} from '@acq/proto/settlement/v1/settlement.ts';
import type { Statement } from '../domain/statement.ts';
import type { MerchantBalance } from '../flows/read-balance.ts';
import type { Repayment } from '../store/bill-store.ts';
import type { ReconciliationException, ReconciliationRun } from '../store/reconciliation-store.ts';
import type { TransactionRecord } from '../store/transaction-store.ts';

export function balanceMessage(balance: MerchantBalance): Balance {
  return {
    merchantId: balance.merchantId,
    availableFen: balance.availableFen,
    pendingFen: balance.pendingFen,
    inPayoutFen: balance.inPayoutFen,
    arrearsFen: balance.arrearsFen,
    t0Enabled: balance.t0Enabled,
    t0Suspended: balance.t0Suspended,
    t0QuotaRemainingFen: balance.t0QuotaRemainingFen,
    asOfMs: BigInt(balance.asOfMs),
  };
}

export function transactionMessage(record: TransactionRecord): SettlementTransaction {
  return {
    txnId: record.txnId,
    merchantId: record.merchantId,
    terminalId: record.terminalId,
    kind: record.kind,
    amountFen: record.amountFen,
    feeFen: record.feeFen,
    netFen: record.netFen,
    cardKind: record.cardKind,
    rrn: record.rrn,
    authCode: record.authCode,
    stan: record.stan,
    batchNumber: record.batchNumber,
    originalTxnId: record.originalTxnId ?? '',
    occurredAtMs: BigInt(record.occurredAtMs),
    bookingDate: record.bookingDate,
    settlementDate: record.settlementDate,
    settlementMode: record.settlementMode,
    refundedFen: record.refundedFen,
    cancelledBy: record.cancelledBy ?? '',
  };
}

export function repaymentMessage(repayment: Repayment): RepaymentMessage {
  return {
    repaymentId: repayment.repaymentId,
    billId: repayment.billId,
    merchantId: repayment.merchantId,
    method: repayment.method,
    amountFen: repayment.amountFen,
    state: repayment.state,
    failureCode: repayment.failureCode ?? '',
  };
}

export function statementMessage(statement: Statement, csv: string): StatementMessage {
  return {
    merchantId: statement.merchantId,
    period: statement.period.label,
    csv: Buffer.from(csv, 'utf8'),
    openingFen: statement.openingFen,
    closingFen: statement.closingFen,
    transactionAmountFen: statement.totals.transactionAmountFen,
    feeFen: statement.totals.feeFen,
    netFen: statement.totals.netFen,
    paidOutFen: statement.totals.paidOutFen,
    surchargeFen: statement.totals.surchargeFen,
    billedFen: statement.totals.billedFen,
  };
}

export function runMessage(run: ReconciliationRun): RunMessage {
  return {
    clearingDate: run.clearingDate,
    matchedCount: run.matchedCount,
    platformOnlyCount: run.platformOnlyCount,
    networkOnlyCount: run.networkOnlyCount,
    amountMismatchCount: run.amountMismatchCount,
    matchedAmountFen: run.matchedAmountFen,
  };
}

export function exceptionMessage(item: ReconciliationException): ExceptionMessage {
  return {
    exceptionId: item.exceptionId,
    clearingDate: item.clearingDate,
    category: item.category,
    rrn: item.rrn,
    txnId: item.txnId ?? '',
    merchantId: item.merchantId ?? '',
    platformAmountFen: item.platformAmountFen ?? 0n,
    networkAmountFen: item.networkAmountFen ?? 0n,
    state: item.state,
    resolution: item.resolution ?? '',
    adjustmentFen: item.adjustmentFen ?? 0n,
    resolvedBy: item.resolvedBy ?? '',
  };
}
