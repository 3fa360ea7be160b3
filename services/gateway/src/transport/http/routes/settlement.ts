/**
 * Money routes (DESIGN section 6): a merchant's balance, transactions with their fee line, payouts, D0
 * withdrawal, statements as CSV, bills and their repayment (operator routes: reconciliation.ts).
 * Thin: validate, call the settlement service over gRPC, present. Settlement refusals carry a stable
 * code in `x-error-code` on a gRPC status class; they are mapped to HTTP once, in `settlementCaller`
 * (FAILED_PRECONDITION is a business refusal, 422, as services/settlement/src/transport/http-routes.md
 * documents).
 */
import { type ServiceError as GrpcServiceError, status } from '@grpc/grpc-js';
import { ServiceError, type UnaryMethod } from '@acq/grpc';
import type {
  Balance,
  Bill,
  Payout,
  Repayment,
  SettlementTransaction,
  SettlementServiceClient,
} from '@acq/proto/settlement/v1/settlement.ts';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { HttpError } from '../http-error.ts';
import { isoOrNull } from '../presenters.ts';
import type { HttpClients, RouteContext, RoutePlugin } from '../route-context.ts';
import {
  AUTHENTICATED_ERRORS,
  errorResponses,
  FenString,
  MerchantId,
  PositiveFenString,
  Timestamp,
} from '../schemas/common.ts';

declare module '../route-context.ts' {
  interface HttpClients {
    /** Optional so an edge built without it (tests, partial deployments) answers 503 on these routes. */
    readonly settlement?: SettlementServiceClient;
  }
}

export const SETTLEMENT_ROUTE_LIMITS = {
  /** Largest page of transactions, payouts or bills (the settlement service caps pages at the same size). */
  pageSizeMax: 200,
  /** Page size when the caller names none. */
  pageSizeDefault: 50,
  /** Window of the transaction list when `from` is not given: the last 24 hours, in ms. */
  defaultTransactionWindowMs: 24 * 60 * 60 * 1000,
  /** Longest transaction list window one request may name, in ms (a statement covers longer spans). */
  transactionWindowMaxMs: 93 * 24 * 60 * 60 * 1000,
} as const;

// ---------------------------------------------------------------------------------------------------
// Error mapping: the one place settlement's gRPC refusals become HTTP answers.

const HTTP_STATUS_OF_GRPC_STATUS: ReadonlyMap<number, number> = new Map([
  [status.INVALID_ARGUMENT, 400],
  [status.NOT_FOUND, 404],
  [status.ALREADY_EXISTS, 409],
  [status.FAILED_PRECONDITION, 422],
  [status.UNAVAILABLE, 503],
]);

/** A settlement refusal as an HttpError; anything else (transport failures, bugs) goes to errorReplyOf. */
export function settlementRefusalOf(error: unknown): unknown {
  if (!(error instanceof ServiceError)) return error;
  const grpcStatus = (error.cause as Partial<GrpcServiceError> | undefined)?.code;
  const hasStableCode = (error.cause as Partial<GrpcServiceError> | undefined)?.metadata?.get('x-error-code')[0];
  if (grpcStatus === undefined || hasStableCode === undefined) return error;
  const statusCode = HTTP_STATUS_OF_GRPC_STATUS.get(grpcStatus);
  if (statusCode === undefined) return error;
  const message = statusCode >= 500 ? 'a backing service is unavailable' : error.message;
  return new HttpError(statusCode, error.code, message);
}

export type SettlementCall = <Request, Response>(
  method: (client: SettlementServiceClient) => UnaryMethod<Request, Response>,
  request: Request,
) => Promise<Response>;

export function settlementCaller(clients: HttpClients, call: RouteContext['call']): SettlementCall {
  return async (method, request) => {
    const client = clients.settlement;
    if (client === undefined) {
      throw new HttpError(503, 'SETTLEMENT_UNAVAILABLE', 'the settlement service is not configured');
    }
    try {
      return await call(client, method(client), request);
    } catch (error) {
      throw settlementRefusalOf(error);
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// Schemas.

/** Integer fen that may be negative (a refund's net, an adjustment), as a digit string. */
export const SignedFenString = Type.String({ pattern: '^(0|-?[1-9][0-9]{0,17})$', examples: ['-2000'] });
const IdempotencyKey = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const ResourceId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const IsoDate = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$',
  examples: ['2026-03-02'],
});
const StatementPeriod = Type.String({
  pattern: '^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$',
  examples: ['2026-03', '2026-03-02'],
});
const PageLimit = Type.Integer({ minimum: 1, maximum: SETTLEMENT_ROUTE_LIMITS.pageSizeMax });
const strict = { additionalProperties: false } as const;

const MerchantParams = Type.Object({ merchantId: MerchantId }, strict);
type MerchantParams = Static<typeof MerchantParams>;
const TransactionParams = Type.Object({ merchantId: MerchantId, txnId: ResourceId }, strict);
const StatementParams = Type.Object({ merchantId: MerchantId, period: StatementPeriod }, strict);
const BillParams = Type.Object({ merchantId: MerchantId, billId: ResourceId }, strict);

const TransactionQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(PageLimit),
  },
  strict,
);
const LimitQuery = Type.Object({ limit: Type.Optional(PageLimit) }, strict);
const BillQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('paid'), Type.Literal('all')])),
    limit: Type.Optional(PageLimit),
  },
  strict,
);
const WithdrawalBody = Type.Object({ amountFen: PositiveFenString, idempotencyKey: IdempotencyKey }, strict);
const RepaymentBody = Type.Object(
  {
    method: Type.Union([Type.Literal('bank_card'), Type.Literal('wallet'), Type.Literal('settlement')]),
    amountFen: PositiveFenString,
    idempotencyKey: IdempotencyKey,
    walletProvider: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z_]+$' })),
    walletPaymentCode: Type.Optional(Type.String({ minLength: 10, maxLength: 32, pattern: '^[0-9]+$' })),
  },
  strict,
);

const BalanceView = Type.Object(
  {
    merchantId: MerchantId,
    availableFen: SignedFenString,
    pendingFen: SignedFenString,
    inPayoutFen: FenString,
    arrearsFen: FenString,
    t0Enabled: Type.Boolean(),
    t0Suspended: Type.Boolean(),
    t0QuotaRemainingFen: FenString,
    asOf: Timestamp,
  },
  strict,
);
const TransactionView = Type.Object(
  {
    txnId: Type.String(),
    kind: Type.String({ examples: ['PURCHASE'] }),
    amountFen: FenString,
    feeFen: SignedFenString,
    netFen: SignedFenString,
    cardKind: Type.String(),
    rrn: Type.String(),
    authCode: Type.String(),
    stan: Type.String(),
    batchNumber: Type.String(),
    terminalId: Type.String(),
    originalTxnId: Type.Union([Type.String(), Type.Null()]),
    occurredAt: Timestamp,
    bookingDate: Type.String(),
    settlementDate: Type.Union([Type.String(), Type.Null()]),
    settlementMode: Type.String({ examples: ['t0', 't1'] }),
    refundedFen: FenString,
    cancelledBy: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
);
const TransactionPage = Type.Object(
  { items: Type.Array(TransactionView), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  strict,
);
export const PayoutView = Type.Object(
  {
    payoutId: Type.String(),
    kind: Type.String({ examples: ['t0', 't1', 'd0'] }),
    txnId: Type.Union([Type.String(), Type.Null()]),
    settlementDate: Type.Union([Type.String(), Type.Null()]),
    grossFen: FenString,
    surchargeFen: FenString,
    amountFen: FenString,
    state: Type.String(),
    attempt: Type.Integer({ minimum: 0 }),
    failureReason: Type.Union([Type.String(), Type.Null()]),
    fellBackToT1: Type.Boolean(),
    createdAt: Timestamp,
    completedAt: Timestamp,
  },
  strict,
);
const PayoutList = Type.Object({ items: Type.Array(PayoutView) }, strict);
const BillView = Type.Object(
  {
    billId: Type.String(),
    kind: Type.String(),
    sourceReference: Type.String(),
    amountFen: FenString,
    repaidFen: FenString,
    outstandingFen: FenString,
    raisedOn: Type.String(),
    dueOn: Type.String(),
    state: Type.String(),
    overdue: Type.Boolean(),
  },
  strict,
);
const BillList = Type.Object({ items: Type.Array(BillView) }, strict);
const RepaymentView = Type.Object(
  {
    repaymentId: Type.String(),
    billId: Type.String(),
    method: Type.String(),
    amountFen: FenString,
    state: Type.String({ examples: ['succeeded', 'unknown'] }),
    failureCode: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
);
// ---------------------------------------------------------------------------------------------------
// Presenters: protobuf -> JSON (bigint -> digit strings, epoch ms -> ISO 8601, '' -> null).

export const textOrNull = (text: string): string | null => (text === '' ? null : text);

function balanceView(balance: Balance): Static<typeof BalanceView> {
  return {
    merchantId: balance.merchantId,
    availableFen: balance.availableFen.toString(),
    pendingFen: balance.pendingFen.toString(),
    inPayoutFen: balance.inPayoutFen.toString(),
    arrearsFen: balance.arrearsFen.toString(),
    t0Enabled: balance.t0Enabled,
    t0Suspended: balance.t0Suspended,
    t0QuotaRemainingFen: balance.t0QuotaRemainingFen.toString(),
    asOf: isoOrNull(balance.asOfMs),
  };
}

function transactionView(txn: SettlementTransaction): Static<typeof TransactionView> {
  return {
    txnId: txn.txnId,
    kind: txn.kind,
    amountFen: txn.amountFen.toString(),
    feeFen: txn.feeFen.toString(),
    netFen: txn.netFen.toString(),
    cardKind: txn.cardKind,
    rrn: txn.rrn,
    authCode: txn.authCode,
    stan: txn.stan,
    batchNumber: txn.batchNumber,
    terminalId: txn.terminalId,
    originalTxnId: textOrNull(txn.originalTxnId),
    occurredAt: isoOrNull(txn.occurredAtMs),
    bookingDate: txn.bookingDate,
    settlementDate: textOrNull(txn.settlementDate),
    settlementMode: txn.settlementMode,
    refundedFen: txn.refundedFen.toString(),
    cancelledBy: textOrNull(txn.cancelledBy),
  };
}

export function payoutView(payout: Payout): Static<typeof PayoutView> {
  return {
    payoutId: payout.payoutId,
    kind: payout.kind,
    txnId: textOrNull(payout.txnId),
    settlementDate: textOrNull(payout.settlementDate),
    grossFen: payout.grossFen.toString(),
    surchargeFen: payout.surchargeFen.toString(),
    amountFen: payout.amountFen.toString(),
    state: payout.state,
    attempt: payout.attempt,
    failureReason: textOrNull(payout.failureReason),
    fellBackToT1: payout.fellBackToT1,
    createdAt: isoOrNull(payout.createdAtMs),
    completedAt: isoOrNull(payout.completedAtMs),
  };
}

function billView(bill: Bill): Static<typeof BillView> {
  return {
    billId: bill.billId,
    kind: bill.kind,
    sourceReference: bill.sourceReference,
    amountFen: bill.amountFen.toString(),
    repaidFen: bill.repaidFen.toString(),
    outstandingFen: bill.outstandingFen.toString(),
    raisedOn: bill.raisedOn,
    dueOn: bill.dueOn,
    state: bill.state,
    overdue: bill.overdue,
  };
}

function repaymentView(repayment: Repayment): Static<typeof RepaymentView> {
  return {
    repaymentId: repayment.repaymentId,
    billId: repayment.billId,
    method: repayment.method,
    amountFen: repayment.amountFen.toString(),
    state: repayment.state,
    failureCode: textOrNull(repayment.failureCode),
  };
}

/** The time window of a transaction list: default the last 24 h, `from` before `to`, bounded length. */
export function transactionWindowOf(
  query: { from?: string | undefined; to?: string | undefined },
  nowMs: number,
): { fromMs: bigint; toMs: bigint } {
  const toMs = query.to === undefined ? nowMs : Date.parse(query.to);
  const fromMs =
    query.from === undefined ? toMs - SETTLEMENT_ROUTE_LIMITS.defaultTransactionWindowMs : Date.parse(query.from);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
    throw new HttpError(400, 'INVALID_INPUT', 'from/to must be ISO instants');
  if (fromMs >= toMs) throw new HttpError(400, 'INVALID_INPUT', 'from must be before to');
  if (toMs - fromMs > SETTLEMENT_ROUTE_LIMITS.transactionWindowMaxMs) {
    throw new HttpError(400, 'INVALID_INPUT', 'the window is longer than 93 days; use a statement');
  }
  return { fromMs: BigInt(fromMs), toMs: BigInt(toMs) };
}

const ownMerchant = { kind: 'operator_or_own_merchant', merchantIdParam: 'merchantId' } as const;
const merchantTags = ['settlement'];

/** A route's OpenAPI schema: its parts, its success responses and the errors every authenticated route can answer. */
export function routeSchema(
  tags: readonly string[],
  summary: string,
  parts: Record<string, TSchema>,
  responses: Record<number, TSchema>,
) {
  return { tags: [...tags], summary, ...parts, response: { ...responses, ...errorResponses(...AUTHENTICATED_ERRORS) } };
}

// ---------------------------------------------------------------------------------------------------
// Routes.

/** Balance and transactions: the read side of a merchant's money. */
const merchantReadRoutes: RoutePlugin = async (app, { clients, call }) => {
  const settle = settlementCaller(clients, call);

  app.get<{ Params: MerchantParams }>(
    '/v1/merchants/:merchantId/balance',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'Balance: available, pending T1, in payout, arrears, T0 quota',
        { params: MerchantParams },
        { 200: BalanceView },
      ),
    },
    async (request) => balanceView(await settle((s) => s.getBalance, { merchantId: request.params.merchantId })),
  );

  app.get<{ Params: MerchantParams; Querystring: Static<typeof TransactionQuery> }>(
    '/v1/merchants/:merchantId/transactions',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'Transactions in a time window (default the last 24 h), paged with a cursor',
        { params: MerchantParams, querystring: TransactionQuery },
        { 200: TransactionPage },
      ),
    },
    async (request) => {
      const { fromMs, toMs } = transactionWindowOf(request.query, Date.now());
      const page = await settle((s) => s.listTransactions, {
        merchantId: request.params.merchantId,
        fromMs,
        toMs,
        cursor: request.query.cursor ?? '',
        limit: request.query.limit ?? SETTLEMENT_ROUTE_LIMITS.pageSizeDefault,
      });
      return { items: page.transactions.map(transactionView), nextCursor: textOrNull(page.nextCursor) };
    },
  );

  app.get<{ Params: Static<typeof TransactionParams> }>(
    '/v1/merchants/:merchantId/transactions/:txnId',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'One transaction with its fee line (receipt data)',
        { params: TransactionParams },
        { 200: TransactionView },
      ),
    },
    async (request) =>
      transactionView(
        await settle((s) => s.getTransaction, { merchantId: request.params.merchantId, txnId: request.params.txnId }),
      ),
  );
};

/** Payouts, D0 withdrawal and the statement download. */
const merchantPayoutRoutes: RoutePlugin = async (app, { clients, call }) => {
  const settle = settlementCaller(clients, call);

  app.get<{ Params: MerchantParams; Querystring: Static<typeof LimitQuery> }>(
    '/v1/merchants/:merchantId/payouts',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'Payouts (T0, T1, D0)',
        { params: MerchantParams, querystring: LimitQuery },
        { 200: PayoutList },
      ),
    },
    async (request) => {
      const listed = await settle((s) => s.listPayouts, {
        merchantId: request.params.merchantId,
        limit: request.query.limit ?? SETTLEMENT_ROUTE_LIMITS.pageSizeDefault,
      });
      return { items: listed.payouts.map(payoutView) };
    },
  );

  app.post<{ Params: MerchantParams; Body: Static<typeof WithdrawalBody> }>(
    '/v1/merchants/:merchantId/withdrawals',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'D0 withdrawal of available funds (idempotent by idempotencyKey); poll payouts for its outcome',
        { params: MerchantParams, body: WithdrawalBody },
        { 201: PayoutView, ...errorResponses(409, 422) },
      ),
    },
    async (request, reply) => {
      const payout = await settle((s) => s.withdrawD0, {
        merchantId: request.params.merchantId,
        amountFen: BigInt(request.body.amountFen),
        idempotencyKey: request.body.idempotencyKey,
      });
      return reply.code(201).send(payoutView(payout));
    },
  );

  app.get<{ Params: Static<typeof StatementParams> }>(
    '/v1/merchants/:merchantId/statements/:period.csv',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'Statement (对账单) for a day (YYYY-MM-DD) or a month (YYYY-MM) as CSV with opening, closing and totals',
        { params: StatementParams },
        { 200: Type.String({ description: 'text/csv; charset=utf-8' }) },
      ),
    },
    async (request, reply) => {
      const { merchantId, period } = request.params;
      const statement = await settle((s) => s.getStatement, { merchantId, period });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="statement-${merchantId}-${period}.csv"`)
        .send(Buffer.from(statement.csv));
    },
  );
};

/** Bills (amounts the merchant owes) and their repayment. */
const merchantBillRoutes: RoutePlugin = async (app, { clients, call }) => {
  const settle = settlementCaller(clients, call);

  app.get<{ Params: MerchantParams; Querystring: Static<typeof BillQuery> }>(
    '/v1/merchants/:merchantId/bills',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'Bills: open (default), paid or all',
        { params: MerchantParams, querystring: BillQuery },
        { 200: BillList },
      ),
    },
    async (request) => {
      const listed = await settle((s) => s.listBills, {
        merchantId: request.params.merchantId,
        state: request.query.state ?? 'open',
        limit: request.query.limit ?? SETTLEMENT_ROUTE_LIMITS.pageSizeDefault,
      });
      return { items: listed.bills.map(billView) };
    },
  );

  app.post<{ Params: Static<typeof BillParams>; Body: Static<typeof RepaymentBody> }>(
    '/v1/merchants/:merchantId/bills/:billId/repayments',
    {
      config: { access: ownMerchant },
      schema: routeSchema(
        merchantTags,
        'Repay a bill by bank card, wallet or from settlement (idempotent); 202 while the debit is unknown',
        { params: BillParams, body: RepaymentBody },
        { 201: RepaymentView, 202: RepaymentView, ...errorResponses(409, 422) },
      ),
    },
    async (request, reply) => {
      const { method, amountFen, idempotencyKey, walletProvider, walletPaymentCode } = request.body;
      if (method === 'wallet' && (walletProvider === undefined || walletPaymentCode === undefined)) {
        throw new HttpError(400, 'INVALID_INPUT', 'a wallet repayment needs walletProvider and walletPaymentCode');
      }
      const repayment = await settle((s) => s.repayBill, {
        merchantId: request.params.merchantId,
        billId: request.params.billId,
        method,
        amountFen: BigInt(amountFen),
        idempotencyKey,
        walletProvider: walletProvider ?? '',
        walletPaymentCode: walletPaymentCode ?? '',
      });
      if (repayment.state === 'failed' && repayment.failureCode === 'INSUFFICIENT_FUNDS') {
        throw new HttpError(422, 'INSUFFICIENT_FUNDS', 'the card has insufficient funds');
      }
      if (repayment.state === 'failed') {
        throw new HttpError(
          422,
          repayment.failureCode === '' ? 'REPAYMENT_FAILED' : repayment.failureCode,
          'the repayment failed',
        );
      }
      return reply.code(repayment.state === 'unknown' ? 202 : 201).send(repaymentView(repayment));
    },
  );
};

export const settlementRoutes: RoutePlugin = async (app, context) => {
  await merchantReadRoutes(app, context);
  await merchantPayoutRoutes(app, context);
  await merchantBillRoutes(app, context);
};
