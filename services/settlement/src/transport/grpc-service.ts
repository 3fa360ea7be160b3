/**
 * The SettlementService gRPC handlers: parse and validate the request, call one flow, map the result.
 * Merchant-facing calls are scoped by merchant_id; the gateway checks that a merchant token only
 * names its own merchant (DESIGN section 6).
 */
import { type handleUnaryCall, status } from '@grpc/grpc-js';
import { type Fen, fen } from '@acq/money';
import type { SettlementServiceServer } from '@acq/proto/settlement/v1/settlement.ts';
import type { NetworkFilesPort } from '../clients/network-files-client.ts';
import { isMerchantId } from '../domain/accounts.ts';
import { isIsoDate, localDateOf } from '../domain/calendar.ts';
import { statementCsv, statementPeriodOf } from '../domain/statement.ts';
import { buildMerchantStatement } from '../flows/build-statement.ts';
import { readMerchantBalance } from '../flows/read-balance.ts';
import { applyDisputeFile, reconcileClearingFile, resolveException } from '../flows/reconcile-clearing.ts';
import { repayBill } from '../flows/repay-bill.ts';
import { runT1Settlement } from '../flows/run-t1-settlement.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from '../flows/settlement-context.ts';
import { withdrawD0 } from '../flows/withdraw-d0.ts';
import { LIST_PAGE_SIZE_MAX } from '../limits.ts';
import { listBills } from '../store/bill-store.ts';
import { upsertCalendarOverride } from '../store/calendar-store.ts';
import { suspendT0 } from '../store/merchant-profile-store.ts';
import { listPayouts, readPayout, recheckStuckPayout } from '../store/payout-store.ts';
import { listExceptions, readException, readRun } from '../store/reconciliation-store.ts';
import { listTransactions, readTransaction } from '../store/transaction-store.ts';
import { grpcErrorOf, invalidArgument } from './grpc-errors.ts';
import { billMessage, payoutMessage } from '../flows/record-messages.ts';
import {
  balanceMessage,
  exceptionMessage,
  repaymentMessage,
  runMessage,
  statementMessage,
  transactionMessage,
} from './grpc-mappers.ts';

export type ErrorLogger = { error(fields: object, message: string): void };

export type GrpcDependencies = {
  readonly context: SettlementContext;
  readonly networkFiles: NetworkFilesPort;
  /** Re-reads the calendar overrides after an operator change. */
  reloadCalendar(): Promise<void>;
  readonly logger: ErrorLogger;
};

function unary<Request, Response>(
  logger: ErrorLogger,
  work: (request: Request) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    work(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const mapped = grpcErrorOf(error);
        if (mapped !== undefined) return callback(mapped);
        logger.error({ err: error, path: call.getPath() }, 'settlement rpc failed');
        return callback({ code: status.INTERNAL, details: 'internal error' });
      },
    );
  };
}

function merchantIdOf(text: string): string {
  if (!isMerchantId(text)) throw invalidArgument('merchant_id is required');
  return text;
}

function positiveFen(value: bigint, field: string): Fen {
  if (value <= 0n) throw invalidArgument(`${field} must be positive`);
  return fen(value);
}

function isoDateOf(text: string, field: string): string {
  if (!isIsoDate(text)) throw invalidArgument(`${field} must be YYYY-MM-DD`);
  return text;
}

function keyOf(text: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(text)) throw invalidArgument('idempotency_key is 1-64 of A-Z a-z 0-9 _ . : -');
  return text;
}

function pageSizeOf(limit: number): number {
  return limit === 0 ? 50 : Math.min(limit, LIST_PAGE_SIZE_MAX);
}

function oneOf<Value extends string>(text: string, allowed: readonly Value[], field: string): Value {
  const found = allowed.find((candidate) => candidate === text);
  if (found === undefined) throw invalidArgument(`${field} must be one of ${allowed.join(', ')}`);
  return found;
}

/** Merchant-facing calls (balance, transactions, payouts, D0, statements, bills). */
type MerchantRpc =
  | 'getBalance'
  | 'listTransactions'
  | 'getTransaction'
  | 'listPayouts'
  | 'withdrawD0'
  | 'getStatement'
  | 'listBills'
  | 'repayBill';
type OperatorRpc =
  | 'runT1Settlement'
  | 'reconcileClearingFile'
  | 'applyDisputeFile'
  | 'getReconciliation'
  | 'listReconciliationExceptions'
  | 'resolveReconciliationException'
  | 'setCalendarOverride'
  | 'suspendT0'
  | 'recheckPayout';

function merchantHandlers(deps: GrpcDependencies): Pick<SettlementServiceServer, MerchantRpc> {
  const { context, logger } = deps;
  const pool = context.pool;
  return {
    getBalance: unary(logger, async (request) =>
      balanceMessage(await readMerchantBalance(context, merchantIdOf(request.merchantId))),
    ),
    listTransactions: unary(logger, async (request) => {
      const toMs = request.toMs === 0n ? context.clock.nowMs() + 1 : Number(request.toMs);
      const page = await listTransactions(pool, {
        merchantId: merchantIdOf(request.merchantId),
        fromMs: Number(request.fromMs),
        toMs,
        limit: pageSizeOf(request.limit),
        cursor: request.cursor === '' ? null : request.cursor,
      });
      return { transactions: page.items.map(transactionMessage), nextCursor: page.nextCursor ?? '' };
    }),
    getTransaction: unary(logger, async (request) => {
      const record = await readTransaction(pool, request.txnId, 'no_lock');
      if (record === undefined || record.merchantId !== merchantIdOf(request.merchantId)) {
        throw new SettlementError(SettlementErrorCode.transactionNotFound, 'transaction not found');
      }
      return transactionMessage(record);
    }),
    listPayouts: unary(logger, async (request) => ({
      payouts: (await listPayouts(pool, merchantIdOf(request.merchantId), pageSizeOf(request.limit))).map(
        payoutMessage,
      ),
    })),
    withdrawD0: unary(logger, async (request) =>
      payoutMessage(
        await withdrawD0(context, {
          merchantId: merchantIdOf(request.merchantId),
          amountFen: positiveFen(request.amountFen, 'amount_fen'),
          idempotencyKey: keyOf(request.idempotencyKey),
        }),
      ),
    ),
    getStatement: unary(logger, async (request) => {
      const period = statementPeriodOf(request.period);
      if (period === undefined) throw invalidArgument('period must be YYYY-MM-DD or YYYY-MM');
      const statement = await buildMerchantStatement(pool, merchantIdOf(request.merchantId), period);
      return statementMessage(statement, statementCsv(statement));
    }),
    listBills: unary(logger, async (request) => {
      const state = request.state === '' ? 'open' : oneOf(request.state, ['open', 'paid', 'all'] as const, 'state');
      const bills = await listBills(pool, merchantIdOf(request.merchantId), state, pageSizeOf(request.limit));
      const today = localDateOf(context.clock.nowMs());
      return { bills: bills.map((bill) => billMessage(bill, today)) };
    }),
    repayBill: unary(logger, async (request) => {
      const method = oneOf(request.method, ['bank_card', 'wallet', 'settlement'] as const, 'method');
      const payer =
        method === 'wallet'
          ? {
              method,
              provider: oneOf(request.walletProvider, ['wechat', 'alipay', 'unionpay'] as const, 'wallet_provider'),
              paymentCode: request.walletPaymentCode,
            }
          : null;
      if (payer !== null && !/^[0-9]{16,24}$/.test(payer.paymentCode))
        throw invalidArgument('wallet_payment_code is 16-24 digits');
      const repayment = await repayBill(context, {
        merchantId: merchantIdOf(request.merchantId),
        billId: request.billId,
        method,
        amountFen: positiveFen(request.amountFen, 'amount_fen'),
        idempotencyKey: keyOf(request.idempotencyKey),
        payer,
      });
      return repaymentMessage(repayment);
    }),
  };
}

/** Operator calls (T1 run, reconciliation, calendar, T0 suspension input). */
function operatorHandlers(deps: GrpcDependencies): Pick<SettlementServiceServer, OperatorRpc> {
  const { context, logger } = deps;
  const pool = context.pool;
  return {
    runT1Settlement: unary(logger, async (request) => {
      const result = await runT1Settlement(context, isoDateOf(request.settlementDate, 'settlement_date'));
      return {
        merchantCount: result.merchantCount,
        payoutCount: result.payoutCount,
        failedMerchantIds: [...result.failedMerchantIds],
      };
    }),
    reconcileClearingFile: unary(logger, async (request) => {
      const date = isoDateOf(request.clearingDate, 'clearing_date');
      const text = request.fileText === '' ? await deps.networkFiles.clearingFile(date) : request.fileText;
      return runMessage(await reconcileClearingFile(context, text));
    }),
    applyDisputeFile: unary(logger, async (request) => {
      const date = isoDateOf(request.disputeDate, 'dispute_date');
      const text = request.fileText === '' ? await deps.networkFiles.disputeFile(date) : request.fileText;
      const result = await applyDisputeFile(context, text);
      return { chargedCount: result.chargedCount, unmatchedRrns: [...result.unmatchedRrns] };
    }),
    getReconciliation: unary(logger, async (request) => {
      const run = await readRun(pool, isoDateOf(request.clearingDate, 'clearing_date'));
      if (run === undefined)
        throw new SettlementError(SettlementErrorCode.reconciliationNotFound, 'no reconciliation for this date');
      return runMessage(run);
    }),
    listReconciliationExceptions: unary(logger, async (request) => {
      const state = request.state === '' ? 'open' : oneOf(request.state, ['open', 'resolved', 'all'] as const, 'state');
      const items = await listExceptions(pool, isoDateOf(request.clearingDate, 'clearing_date'), state);
      return { exceptions: items.map(exceptionMessage) };
    }),
    resolveReconciliationException: unary(logger, async (request) => {
      const action = oneOf(request.action, ['adjust', 'accept'] as const, 'action');
      if (request.operator === '') throw invalidArgument('operator is required');
      await resolveException(context, {
        exceptionId: request.exceptionId,
        action,
        adjustmentFen: action === 'adjust' ? fen(request.adjustmentFen) : null,
        operator: request.operator,
        note: request.note,
      });
      const resolved = await readException(pool, request.exceptionId, 'no_lock');
      if (resolved === undefined)
        throw new SettlementError(SettlementErrorCode.exceptionNotFound, 'exception not found');
      return exceptionMessage(resolved);
    }),
    setCalendarOverride: unary(logger, async (request) => {
      if (request.reason === '') throw invalidArgument('reason is required');
      await upsertCalendarOverride(
        pool,
        { date: isoDateOf(request.date, 'date'), isBusinessDay: request.isBusinessDay },
        request.reason,
      );
      await deps.reloadCalendar();
      return {};
    }),
    suspendT0: unary(logger, async (request) => {
      if (request.untilMs <= 0n) throw invalidArgument('until_ms is required');
      return { suspended: await suspendT0(pool, merchantIdOf(request.merchantId), Number(request.untilMs)) };
    }),
    recheckPayout: unary(logger, async (request) => {
      if (request.operator === '') throw invalidArgument('operator is required');
      const rechecked = await recheckStuckPayout(pool, request.payoutId, context.clock.nowMs());
      const payout = await readPayout(pool, request.payoutId, 'no_lock');
      if (payout === undefined) throw new SettlementError(SettlementErrorCode.payoutNotFound, 'payout not found');
      if (!rechecked)
        throw new SettlementError(SettlementErrorCode.invalidInput, `payout is ${payout.state}, not stuck`);
      return payoutMessage(payout);
    }),
  };
}

export function settlementGrpcService(deps: GrpcDependencies): SettlementServiceServer {
  return { ...merchantHandlers(deps), ...operatorHandlers(deps) };
}
