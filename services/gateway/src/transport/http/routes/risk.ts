/**
 * Operator routes of the risk service: review cases (freeze the merchant, suspend T0, dismiss) and
 * maintain the card / terminal / merchant blacklists. Thin: validate, call risk over gRPC, present.
 */
import { assert } from '@acq/assert';
import {
  BlacklistKind,
  type BlacklistEntry as BlacklistEntryMessage,
  CaseAction,
  CaseStatus,
  type RiskCase,
  type RiskServiceClient,
} from '@acq/proto/risk/v1/risk.ts';
import { type Static, Type } from '@sinclair/typebox';
import { actorOf } from '../access-control.ts';
import { HttpError } from '../http-error.ts';
import type { RoutePlugin } from '../route-context.ts';
import { AUTHENTICATED_ERRORS, errorResponses, MerchantId, Reason, Timestamp } from '../schemas/common.ts';

declare module '../route-context.ts' {
  interface HttpClients {
    /** Optional until the gateway's main wires RISK_GRPC_URL; without it these routes answer 503. */
    readonly risk?: RiskServiceClient;
  }
}

const CASE_STATUS_NAMES = ['open', 'merchant_frozen', 't0_suspended', 'dismissed'] as const;
const CASE_STATUS_OF_NAME: Record<(typeof CASE_STATUS_NAMES)[number], CaseStatus> = {
  open: CaseStatus.CASE_STATUS_OPEN,
  merchant_frozen: CaseStatus.CASE_STATUS_MERCHANT_FROZEN,
  t0_suspended: CaseStatus.CASE_STATUS_T0_SUSPENDED,
  dismissed: CaseStatus.CASE_STATUS_DISMISSED,
};
const ACTION_OF_NAME = {
  freeze_merchant: CaseAction.CASE_ACTION_FREEZE_MERCHANT,
  suspend_t0: CaseAction.CASE_ACTION_SUSPEND_T0,
  dismiss: CaseAction.CASE_ACTION_DISMISS,
} as const;
const KIND_OF_NAME = {
  card: BlacklistKind.BLACKLIST_KIND_CARD,
  terminal: BlacklistKind.BLACKLIST_KIND_TERMINAL,
  merchant: BlacklistKind.BLACKLIST_KIND_MERCHANT,
} as const;

const CaseId = Type.String({ pattern: '^rcase_[0-9a-f-]{36}$' });
const CaseStatusName = Type.Union(CASE_STATUS_NAMES.map((name) => Type.Literal(name)));
const CaseView = Type.Object(
  {
    caseId: CaseId,
    status: CaseStatusName,
    rule: Type.String({ examples: ['pattern.just_under_limit'] }),
    reason: Type.String(),
    merchantId: Type.String(),
    terminalId: Type.String(),
    cardToken: Type.String({ description: 'keyed hash of the PAN, never the PAN' }),
    hitCount: Type.Integer({ minimum: 1 }),
    txnIds: Type.Array(Type.String(), { description: 'evidence, most recent first' }),
    openedAt: Timestamp,
    lastHitAt: Timestamp,
    decidedAt: Timestamp,
    decidedBy: Type.String(),
    decisionNote: Type.String(),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    status: Type.Optional(CaseStatusName),
    merchantId: Type.Optional(MerchantId),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 80 })),
  },
  { additionalProperties: false },
);
const CaseParams = Type.Object({ caseId: CaseId }, { additionalProperties: false });
const DecisionBody = Type.Object(
  {
    action: Type.Union([Type.Literal('freeze_merchant'), Type.Literal('suspend_t0'), Type.Literal('dismiss')]),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const BlacklistParams = Type.Object(
  {
    kind: Type.Union([Type.Literal('card'), Type.Literal('terminal'), Type.Literal('merchant')]),
    value: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }),
  },
  { additionalProperties: false },
);
const BlacklistBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const BlacklistView = Type.Object(
  {
    kind: Type.String(),
    value: Type.String(),
    reason: Type.String(),
    createdBy: Type.String(),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
const tags = ['risk'];

function timestamp(ms: bigint): string | null {
  return ms === 0n ? null : new Date(Number(ms)).toISOString();
}

function caseView(riskCase: RiskCase): Static<typeof CaseView> {
  const status = CASE_STATUS_NAMES.find((name) => CASE_STATUS_OF_NAME[name] === riskCase.status);
  assert(status !== undefined, 'risk answers known case statuses');
  return {
    caseId: riskCase.caseId,
    status,
    rule: riskCase.rule,
    reason: riskCase.reason,
    merchantId: riskCase.merchantId,
    terminalId: riskCase.terminalId,
    cardToken: riskCase.cardToken,
    hitCount: riskCase.hitCount,
    txnIds: riskCase.txnIds,
    openedAt: timestamp(riskCase.openedAtMs),
    lastHitAt: timestamp(riskCase.lastHitAtMs),
    decidedAt: timestamp(riskCase.decidedAtMs),
    decidedBy: riskCase.decidedBy,
    decisionNote: riskCase.decisionNote,
  };
}

function blacklistView(kind: string, entry: BlacklistEntryMessage): Static<typeof BlacklistView> {
  return {
    kind,
    value: entry.value,
    reason: entry.reason,
    createdBy: entry.createdBy,
    createdAt: timestamp(entry.createdAtMs),
  };
}

export const riskRoutes: RoutePlugin = async (app, { clients, call }) => {
  const riskClient = (): RiskServiceClient => {
    if (clients.risk === undefined) throw new HttpError(503, 'RISK_UNAVAILABLE', 'the risk service is not configured');
    return clients.risk;
  };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/risk/cases',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'List risk cases, newest first (filter by status and merchant; cursor paging)',
        querystring: ListQuery,
        response: {
          200: Type.Object(
            { cases: Type.Array(CaseView), nextCursor: Type.Union([Type.String(), Type.Null()]) },
            { additionalProperties: false },
          ),
          ...errorResponses(...AUTHENTICATED_ERRORS),
        },
      },
    },
    async (request) => {
      const risk = riskClient();
      const query = request.query;
      const listed = await call(risk, risk.listCases, {
        status: query.status === undefined ? CaseStatus.CASE_STATUS_UNSPECIFIED : CASE_STATUS_OF_NAME[query.status],
        merchantId: query.merchantId ?? '',
        pageSize: query.pageSize ?? 0,
        pageToken: query.cursor ?? '',
      });
      return {
        cases: listed.cases.map(caseView),
        nextCursor: listed.nextPageToken === '' ? null : listed.nextPageToken,
      };
    },
  );

  app.post<{ Params: Static<typeof CaseParams>; Body: Static<typeof DecisionBody> }>(
    '/v1/risk/cases/:caseId/decision',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Decide an open case: freeze the merchant, suspend its T0 payouts, or dismiss it',
        params: CaseParams,
        body: DecisionBody,
        response: { 200: CaseView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) => {
      const risk = riskClient();
      const decided = await call(risk, risk.decideCase, {
        caseId: request.params.caseId,
        action: ACTION_OF_NAME[request.body.action],
        operatorId: actorOf(request).subject,
        note: request.body.note ?? '',
      });
      return caseView(decided);
    },
  );

  app.put<{ Params: Static<typeof BlacklistParams>; Body: Static<typeof BlacklistBody> }>(
    '/v1/risk/blacklist/:kind/:value',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Blacklist a card (by card token), terminal or merchant; effective on the next transaction',
        params: BlacklistParams,
        body: BlacklistBody,
        response: { 200: BlacklistView, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const risk = riskClient();
      const entry = await call(risk, risk.putBlacklistEntry, {
        kind: KIND_OF_NAME[request.params.kind],
        value: request.params.value,
        reason: request.body.reason,
        operatorId: actorOf(request).subject,
      });
      return blacklistView(request.params.kind, entry);
    },
  );

  app.delete<{ Params: Static<typeof BlacklistParams> }>(
    '/v1/risk/blacklist/:kind/:value',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Remove a blacklist entry',
        params: BlacklistParams,
        response: { 204: Type.Null(), ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request, reply) => {
      const risk = riskClient();
      const removed = await call(risk, risk.deleteBlacklistEntry, {
        kind: KIND_OF_NAME[request.params.kind],
        value: request.params.value,
        operatorId: actorOf(request).subject,
      });
      if (!removed.deleted) throw new HttpError(404, 'BLACKLIST_ENTRY_NOT_FOUND', 'no such blacklist entry');
      return reply.code(204).send(null);
    },
  );
};
