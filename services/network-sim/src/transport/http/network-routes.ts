/**
 * The card network's side of the admin API: the approved set per clearing date, the clearing and
 * dispute files, reconciliation injections, and the ISO link's fault knobs.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { maskPan } from '../../domain/card.ts';
import { isCalendarDate } from '../../domain/clock.ts';
import { type IsoFaults, NO_ISO_FAULTS, validateIsoFaults } from '../../domain/iso-faults.ts';
import type { NetworkApproval } from '../../domain/issuer.ts';
import { LIMITS } from '../../limits.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import {
  DateParam,
  ErrorBody,
  errorBody,
  FenInput,
  FenOutput,
  isoTime,
  optionalFen,
  PanText,
  Rate,
} from './schemas.ts';

const ApprovalView = Type.Object(
  {
    approvalId: Type.String(),
    operation: Type.String(),
    mti: Type.String(),
    processingCode: Type.String(),
    state: Type.String(),
    voided: Type.Boolean(),
    terminalId: Type.String(),
    merchantId: Type.String(),
    stan: Type.String(),
    transmissionDateTime: Type.String(),
    rrn: Type.String(),
    authCode: Type.String(),
    amountFen: FenOutput,
    refundedFen: FenOutput,
    panMasked: Type.String(),
    cardKind: Type.String(),
    clearingDate: Type.String(),
    approvedAt: Type.Union([Type.String(), Type.Null()]),
    originalApprovalId: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const ApprovalsQuery = Type.Object(
  {
    date: DateParam,
    terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 8 })),
    merchantId: Type.Optional(Type.String({ minLength: 1, maxLength: 15 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.approvalsPageSizeMax })),
  },
  { additionalProperties: false },
);

const ApprovalsPage = Type.Object(
  { date: Type.String(), total: Type.Integer(), approvals: Type.Array(ApprovalView) },
  { additionalProperties: false },
);

const InjectionBody = Type.Object(
  {
    date: DateParam,
    kind: Type.Union([Type.Literal('long'), Type.Literal('short'), Type.Literal('mismatch')]),
    rrn: Type.Optional(Type.String({ minLength: 1, maxLength: 12 })),
    amountFen: Type.Optional(FenInput),
    terminalId: Type.Optional(Type.String({ minLength: 8, maxLength: 8 })),
    merchantId: Type.Optional(Type.String({ minLength: 15, maxLength: 15 })),
  },
  { additionalProperties: false },
);

const InjectionView = Type.Object(
  { kind: Type.String(), rrn: Type.Union([Type.String(), Type.Null()]), amountFen: FenOutput },
  { additionalProperties: false },
);

const DisputeBody = Type.Object(
  {
    terminalId: Type.String({ minLength: 1, maxLength: 8 }),
    merchantId: Type.String({ minLength: 1, maxLength: 15 }),
    rrn: Type.String({ minLength: 1, maxLength: 12 }),
    kind: Type.Optional(Type.Union([Type.Literal('CHARGEBACK'), Type.Literal('RETRIEVAL')])),
    reasonCode: Type.String({ pattern: '^[0-9A-Z]{2,4}$' }),
    amountFen: Type.Optional(FenInput),
  },
  { additionalProperties: false },
);

const DisputeView = Type.Object(
  {
    disputeId: Type.String(),
    kind: Type.String(),
    amountFen: FenOutput,
    disputeDate: Type.String(),
    rrn: Type.String(),
  },
  { additionalProperties: false },
);

const IsoFaultsSchema = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    latencyJitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    timeoutRate: Type.Optional(Rate),
    dropRate: Type.Optional(Rate),
    disconnectRate: Type.Optional(Rate),
    lateResponseRate: Type.Optional(Rate),
    lateResponseMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    garbageRate: Type.Optional(Rate),
    pans: Type.Optional(Type.Array(PanText, { maxItems: 1_000 })),
  },
  { additionalProperties: false },
);

const IsoFaultsView = Type.Required(IsoFaultsSchema);
const DateParams = Type.Object({ date: DateParam }, { additionalProperties: false });

function approvalView(approval: NetworkApproval): Static<typeof ApprovalView> {
  return {
    approvalId: approval.id,
    operation: approval.operation,
    mti: approval.mti,
    processingCode: approval.processingCode,
    state: approval.state,
    voided: approval.voided,
    terminalId: approval.keys.terminalId,
    merchantId: approval.keys.merchantId,
    stan: approval.keys.stan,
    transmissionDateTime: approval.keys.transmissionDateTime,
    rrn: approval.keys.rrn,
    authCode: approval.authCode,
    amountFen: approval.amountFen.toString(),
    refundedFen: approval.refundedFen.toString(),
    panMasked: maskPan(approval.pan),
    cardKind: approval.cardKind,
    clearingDate: approval.clearingDate,
    approvedAt: isoTime(approval.approvedAtMs),
    originalApprovalId: approval.originalId ?? null,
  };
}

function faultsView(faults: IsoFaults): Static<typeof IsoFaultsView> {
  return { ...faults, pans: [...faults.pans] };
}

const INVALID_DATE = errorBody('DATE_INVALID', 'date must be a calendar date YYYYMMDD');

/** The approved set per clearing date, the clearing file and its injections. */
function approvalAndClearingRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/network/approvals',
      { schema: { querystring: ApprovalsQuery, response: { 200: ApprovalsPage, 400: ErrorBody } } },
      async (request, reply) => {
        const query = request.query;
        if (!isCalendarDate(query.date)) return reply.code(400).send(INVALID_DATE);
        const matching = simulator.approvals
          .forDate(query.date)
          .filter(
            (approval) =>
              (query.terminalId === undefined || approval.keys.terminalId === query.terminalId) &&
              (query.merchantId === undefined || approval.keys.merchantId === query.merchantId),
          );
        const offset = query.offset ?? 0;
        const page = matching.slice(offset, offset + (query.limit ?? LIMITS.approvalsPageSizeMax));
        return { date: query.date, total: matching.length, approvals: page.map(approvalView) };
      },
    );

    app.get(
      '/network/clearing-files/:date',
      { schema: { params: DateParams, response: { 200: Type.String(), 400: ErrorBody } } },
      async (request, reply) => {
        if (!isCalendarDate(request.params.date)) return reply.code(400).send(INVALID_DATE);
        return reply.type('text/plain; charset=utf-8').send(simulator.clearing.clearingFile(request.params.date));
      },
    );

    app.post(
      '/network/clearing-injections',
      {
        schema: {
          body: InjectionBody,
          response: { 201: InjectionView, 400: ErrorBody, 404: ErrorBody, 507: ErrorBody },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (!isCalendarDate(body.date)) return reply.code(400).send(INVALID_DATE);
        const result = simulator.clearing.inject({
          date: body.date,
          kind: body.kind,
          rrn: body.rrn,
          amountFen: optionalFen(body.amountFen),
          terminalId: body.terminalId,
          merchantId: body.merchantId,
        });
        if (!result.ok && result.errorCode === 'STORE_FULL') {
          return reply.code(507).send(errorBody(result.errorCode, 'too many injections for this date'));
        }
        if (!result.ok)
          return reply.code(404).send(errorBody(result.errorCode, 'no cleared approval matches on that date'));
        const injection = result.injection;
        return reply.code(201).send({
          kind: injection.kind,
          rrn: injection.kind === 'long' ? injection.syntheticRrn : (injection.rrn ?? null),
          amountFen: injection.amountFen.toString(),
        });
      },
    );

    app.delete('/network/clearing-injections/:date', { schema: { params: DateParams } }, async (request, reply) => {
      simulator.clearing.clearInjections(request.params.date);
      return reply.code(204).send();
    });
  };
}

/** Chargebacks and retrieval requests, and the dispute file. */
function disputeRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/network/disputes',
      { schema: { body: DisputeBody, response: { 201: DisputeView, 404: ErrorBody, 409: ErrorBody, 507: ErrorBody } } },
      async (request, reply) => {
        const body = request.body;
        const result = simulator.clearing.raiseDispute({
          terminalId: body.terminalId,
          merchantId: body.merchantId,
          rrn: body.rrn,
          kind: body.kind ?? 'CHARGEBACK',
          reasonCode: body.reasonCode,
          amountFen: optionalFen(body.amountFen),
        });
        if (result.ok) {
          const dispute = result.dispute;
          return reply.code(201).send({
            disputeId: dispute.disputeId,
            kind: dispute.kind,
            amountFen: dispute.amountFen.toString(),
            disputeDate: dispute.disputeDate,
            rrn: dispute.approval.keys.rrn,
          });
        }
        if (result.errorCode === 'APPROVAL_NOT_FOUND')
          return reply.code(404).send(errorBody(result.errorCode, 'no approval with this RRN'));
        if (result.errorCode === 'STORE_FULL')
          return reply.code(507).send(errorBody(result.errorCode, 'dispute store is full'));
        return reply.code(409).send(errorBody(result.errorCode, 'the approval cannot be disputed for this amount'));
      },
    );

    app.get(
      '/network/dispute-files/:date',
      { schema: { params: DateParams, response: { 200: Type.String(), 400: ErrorBody } } },
      async (request, reply) => {
        if (!isCalendarDate(request.params.date)) return reply.code(400).send(INVALID_DATE);
        return reply.type('text/plain; charset=utf-8').send(simulator.clearing.disputeFile(request.params.date));
      },
    );
  };
}

/** Fault knobs of the ISO 8583 link. */
function isoFaultRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/faults', { schema: { response: { 200: IsoFaultsView } } }, async () => faultsView(simulator.isoFaults));

    app.put('/faults', { schema: { body: IsoFaultsSchema, response: { 200: IsoFaultsView } } }, async (request) => {
      const faults: IsoFaults = { ...NO_ISO_FAULTS, ...request.body, pans: request.body.pans ?? [] };
      validateIsoFaults(faults);
      simulator.isoFaults = faults;
      return faultsView(faults);
    });

    app.delete('/faults', async (_request, reply) => {
      simulator.isoFaults = NO_ISO_FAULTS;
      return reply.code(204).send();
    });
  };
}

/** The card network side of the admin API, one plugin per area. */
export function networkRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox[] {
  return [approvalAndClearingRoutes(simulator), disputeRoutes(simulator), isoFaultRoutes(simulator)];
}
