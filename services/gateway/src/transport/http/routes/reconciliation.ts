/**
 * Operator money routes: the reconciliation of a clearing date against the network's clearing file
 * (summary, exceptions, a run on demand, resolving an exception), the T1 run of a settlement date, the
 * business calendar's overrides and the recheck of a stuck payout. Operators only; each change names
 * the operator from the access token. Refusals map to HTTP through settlement.ts's settlementCaller.
 */
import type { ReconciliationException, ReconciliationRun } from '@acq/proto/settlement/v1/settlement.ts';
import { type Static, Type } from '@sinclair/typebox';
import { actorOf } from '../access-control.ts';
import type { RoutePlugin } from '../route-context.ts';
import { errorResponses, Reason } from '../schemas/common.ts';
import {
  IsoDate,
  PayoutView,
  payoutView,
  routeSchema,
  SignedFenString,
  settlementCaller,
  textOrNull,
} from './settlement.ts';

const strict = { additionalProperties: false } as const;
const operatorOnly = { access: { kind: 'operator' } } as const;
const reconciliationTags = ['reconciliation'];
const settlementOperationTags = ['settlement operations'];

const ResourceId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const DateParams = Type.Object({ date: IsoDate }, strict);
type DateParams = Static<typeof DateParams>;
const ExceptionParams = Type.Object({ exceptionId: ResourceId }, strict);
const PayoutParams = Type.Object({ payoutId: ResourceId }, strict);
const ExceptionQuery = Type.Object(
  { state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')])) },
  strict,
);
const ResolutionBody = Type.Union([
  Type.Object({ action: Type.Literal('accept'), note: Reason }, strict),
  Type.Object({ action: Type.Literal('adjust'), adjustmentFen: SignedFenString, note: Reason }, strict),
]);
const T1RunBody = Type.Object({ settlementDate: IsoDate }, strict);
const CalendarBody = Type.Object({ isBusinessDay: Type.Boolean(), reason: Reason }, strict);

const ReconciliationView = Type.Object(
  {
    clearingDate: Type.String(),
    matchedCount: Type.Integer({ minimum: 0 }),
    platformOnlyCount: Type.Integer({ minimum: 0 }),
    networkOnlyCount: Type.Integer({ minimum: 0 }),
    amountMismatchCount: Type.Integer({ minimum: 0 }),
    matchedAmountFen: SignedFenString,
  },
  strict,
);
const ExceptionView = Type.Object(
  {
    exceptionId: Type.String(),
    clearingDate: Type.String(),
    category: Type.String({ examples: ['platform_only', 'network_only', 'amount_mismatch'] }),
    rrn: Type.String(),
    txnId: Type.Union([Type.String(), Type.Null()]),
    merchantId: Type.Union([Type.String(), Type.Null()]),
    platformAmountFen: SignedFenString,
    networkAmountFen: SignedFenString,
    state: Type.String(),
    resolution: Type.Union([Type.String(), Type.Null()]),
    adjustmentFen: SignedFenString,
    resolvedBy: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
);
const ExceptionList = Type.Object({ items: Type.Array(ExceptionView) }, strict);
const T1RunView = Type.Object(
  {
    merchantCount: Type.Integer({ minimum: 0 }),
    payoutCount: Type.Integer({ minimum: 0 }),
    failedMerchantIds: Type.Array(Type.String()),
  },
  strict,
);
const CalendarView = Type.Object({ date: IsoDate, isBusinessDay: Type.Boolean() }, strict);

function reconciliationView(run: ReconciliationRun): Static<typeof ReconciliationView> {
  return {
    clearingDate: run.clearingDate,
    matchedCount: run.matchedCount,
    platformOnlyCount: run.platformOnlyCount,
    networkOnlyCount: run.networkOnlyCount,
    amountMismatchCount: run.amountMismatchCount,
    matchedAmountFen: run.matchedAmountFen.toString(),
  };
}

function exceptionView(item: ReconciliationException): Static<typeof ExceptionView> {
  return {
    exceptionId: item.exceptionId,
    clearingDate: item.clearingDate,
    category: item.category,
    rrn: item.rrn,
    txnId: textOrNull(item.txnId),
    merchantId: textOrNull(item.merchantId),
    platformAmountFen: item.platformAmountFen.toString(),
    networkAmountFen: item.networkAmountFen.toString(),
    state: item.state,
    resolution: textOrNull(item.resolution),
    adjustmentFen: item.adjustmentFen.toString(),
    resolvedBy: textOrNull(item.resolvedBy),
  };
}

/** Reading the reconciliation of a clearing date. */
const reconciliationReadRoutes: RoutePlugin = async (app, { clients, call }) => {
  const settle = settlementCaller(clients, call);

  app.get<{ Params: DateParams }>(
    '/v1/reconciliation/:date',
    {
      config: operatorOnly,
      schema: routeSchema(
        reconciliationTags,
        'Reconciliation summary of a clearing date',
        { params: DateParams },
        { 200: ReconciliationView },
      ),
    },
    async (request) =>
      reconciliationView(await settle((s) => s.getReconciliation, { clearingDate: request.params.date })),
  );

  app.get<{ Params: DateParams; Querystring: Static<typeof ExceptionQuery> }>(
    '/v1/reconciliation/:date/exceptions',
    {
      config: operatorOnly,
      schema: routeSchema(
        reconciliationTags,
        'Reconciliation exceptions of a clearing date: open (default), resolved or all',
        { params: DateParams, querystring: ExceptionQuery },
        { 200: ExceptionList },
      ),
    },
    async (request) => {
      const listed = await settle((s) => s.listReconciliationExceptions, {
        clearingDate: request.params.date,
        state: request.query.state ?? 'open',
      });
      return { items: listed.exceptions.map(exceptionView) };
    },
  );
};

/** Running the reconciliation of a date on demand, and resolving its exceptions. */
const reconciliationActionRoutes: RoutePlugin = async (app, { clients, call }) => {
  const settle = settlementCaller(clients, call);

  app.post<{ Params: DateParams }>(
    '/v1/reconciliation/:date/run',
    {
      config: operatorOnly,
      schema: routeSchema(
        reconciliationTags,
        "Reconcile a clearing date now: downloads the network's clearing file and matches it (re-runnable)",
        { params: DateParams },
        { 200: ReconciliationView, ...errorResponses(422) },
      ),
    },
    async (request) =>
      reconciliationView(
        await settle((s) => s.reconcileClearingFile, { clearingDate: request.params.date, fileText: '' }),
      ),
  );

  app.post<{ Params: Static<typeof ExceptionParams>; Body: Static<typeof ResolutionBody> }>(
    '/v1/reconciliation/exceptions/:exceptionId/resolution',
    {
      config: operatorOnly,
      schema: routeSchema(
        reconciliationTags,
        'Resolve a reconciliation exception: accept it, or book an adjustment in fen',
        { params: ExceptionParams, body: ResolutionBody },
        { 200: ExceptionView, ...errorResponses(409, 422) },
      ),
    },
    async (request) => {
      const body = request.body;
      const resolved = await settle((s) => s.resolveReconciliationException, {
        exceptionId: request.params.exceptionId,
        action: body.action,
        adjustmentFen: body.action === 'adjust' ? BigInt(body.adjustmentFen) : 0n,
        operator: actorOf(request).subject,
        note: body.note,
      });
      return exceptionView(resolved);
    },
  );
};

/** Operator settlement operations: a T1 run, calendar overrides, a stuck payout's recheck. */
const settlementOperationRoutes: RoutePlugin = async (app, { clients, call }) => {
  const settle = settlementCaller(clients, call);

  app.post<{ Body: Static<typeof T1RunBody> }>(
    '/v1/settlement/t1-runs',
    {
      config: operatorOnly,
      schema: routeSchema(
        settlementOperationTags,
        'Run T1 settlement for a settlement date (idempotent: a date pays nothing twice)',
        { body: T1RunBody },
        { 200: T1RunView, ...errorResponses(422) },
      ),
    },
    async (request) => {
      const result = await settle((s) => s.runT1Settlement, { settlementDate: request.body.settlementDate });
      return { ...result, failedMerchantIds: [...result.failedMerchantIds] };
    },
  );

  app.put<{ Params: DateParams; Body: Static<typeof CalendarBody> }>(
    '/v1/settlement/calendar/:date',
    {
      config: operatorOnly,
      schema: routeSchema(
        settlementOperationTags,
        'Override the business calendar for a date (an announced holiday or make-up working day)',
        { params: DateParams, body: CalendarBody },
        { 200: CalendarView },
      ),
    },
    async (request) => {
      await settle((s) => s.setCalendarOverride, {
        date: request.params.date,
        isBusinessDay: request.body.isBusinessDay,
        reason: request.body.reason,
      });
      return { date: request.params.date, isBusinessDay: request.body.isBusinessDay };
    },
  );

  app.post<{ Params: Static<typeof PayoutParams> }>(
    '/v1/payouts/:payoutId/recheck',
    {
      config: operatorOnly,
      schema: routeSchema(
        settlementOperationTags,
        'Query the bank again about a stuck payout',
        { params: PayoutParams },
        { 200: PayoutView, ...errorResponses(422) },
      ),
    },
    async (request) =>
      payoutView(
        await settle((s) => s.recheckPayout, {
          payoutId: request.params.payoutId,
          operator: actorOf(request).subject,
        }),
      ),
  );
};

export const reconciliationRoutes: RoutePlugin = async (app, context) => {
  await reconciliationReadRoutes(app, context);
  await reconciliationActionRoutes(app, context);
  await settlementOperationRoutes(app, context);
};
