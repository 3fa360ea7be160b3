/**
 * The RiskService gRPC handlers: thin parsing and mapping around the flows. Assess on the
 * multiplexed stream and AssessOnce share one handler; operator calls map typed results to gRPC
 * errors (ServiceError) at the edge.
 */
import { performance } from 'node:perf_hooks';
import { assert } from '@acq/assert';
import { ServiceError, serveMultiplexedStream, toGrpcError } from '@acq/grpc';
import {
  type AssessRequest,
  type AssessResponse,
  BlacklistKind as ProtoBlacklistKind,
  CaseAction as ProtoCaseAction,
  CaseStatus as ProtoCaseStatus,
  ReleaseReason,
  type ReleaseRequest,
  type RiskServiceServer,
} from '@acq/proto/risk/v1/risk.ts';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { BlacklistKind, CaseAction, CaseStatus } from '../domain/cases.ts';
import { type AssessDependencies, assessTransaction } from '../flows/assess.ts';
import { type ReservationSettlement, settleReservations } from '../flows/settle-reservations.ts';
import {
  decideCase,
  deleteBlacklistEntry,
  listCases,
  type OperatorDependencies,
  putBlacklistEntry,
} from '../flows/operator.ts';
import {
  ASSESS_BUDGET_MS_MAX,
  ASSESS_DEADLINE_MARGIN_MS,
  ASSESS_STREAM_IN_FLIGHT_MAX,
  BLACKLIST_VALUE_LENGTH_MAX,
  OPERATOR_NOTE_LENGTH_MAX,
  RESERVATION_SETTLEMENTS_PER_BATCH_MAX,
} from '../limits.ts';
import type { RiskCache } from '../store/risk-cache.ts';
import { blacklistEntryToProto, riskCaseToProto } from '../store/risk-events.ts';
import { assessResponseToProto, assessInputFromProto, refusalResponse } from './proto-mapping.ts';

export interface RiskServiceDependencies {
  assess: AssessDependencies;
  operator: OperatorDependencies;
  cache: RiskCache;
  /** Records each Assess's own cost, decision and fired rules (metrics). */
  observeAssess(elapsedMs: number, decision: string, firedRules: readonly string[]): void;
}

const RELEASE_REASON_NAMES: Record<number, string> = {
  [ReleaseReason.RELEASE_REASON_DECLINED_UPSTREAM]: 'declined_upstream',
  [ReleaseReason.RELEASE_REASON_REVERSED]: 'reversed',
  [ReleaseReason.RELEASE_REASON_VOIDED]: 'voided',
  [ReleaseReason.RELEASE_REASON_TIMED_OUT]: 'timed_out',
};
const CASE_ACTIONS: Record<number, CaseAction> = {
  [ProtoCaseAction.CASE_ACTION_FREEZE_MERCHANT]: 'freeze_merchant',
  [ProtoCaseAction.CASE_ACTION_SUSPEND_T0]: 'suspend_t0',
  [ProtoCaseAction.CASE_ACTION_DISMISS]: 'dismiss',
};
const CASE_STATUSES: Record<number, CaseStatus> = {
  [ProtoCaseStatus.CASE_STATUS_OPEN]: 'open',
  [ProtoCaseStatus.CASE_STATUS_MERCHANT_FROZEN]: 'merchant_frozen',
  [ProtoCaseStatus.CASE_STATUS_T0_SUSPENDED]: 't0_suspended',
  [ProtoCaseStatus.CASE_STATUS_DISMISSED]: 'dismissed',
};
const BLACKLIST_KINDS: Record<number, BlacklistKind> = {
  [ProtoBlacklistKind.BLACKLIST_KIND_CARD]: 'card',
  [ProtoBlacklistKind.BLACKLIST_KIND_TERMINAL]: 'terminal',
  [ProtoBlacklistKind.BLACKLIST_KIND_MERCHANT]: 'merchant',
};

/** Budget for one Assess: the caller's deadline minus the way home, capped by our own maximum. */
export function assessBudgetMs(deadlineMs: number): number {
  if (deadlineMs === 0) return ASSESS_BUDGET_MS_MAX;
  return Math.max(1, Math.min(ASSESS_BUDGET_MS_MAX, deadlineMs - ASSESS_DEADLINE_MARGIN_MS));
}

export async function handleAssess(deps: RiskServiceDependencies, request: AssessRequest): Promise<AssessResponse> {
  const startedAt = performance.now();
  const parsed = assessInputFromProto(request, Date.now());
  if (!parsed.ok) return refusalResponse(request.correlationId, 'request.malformed', '30', parsed.problem);
  const outcome = await assessTransaction(deps.assess, parsed.input, assessBudgetMs(request.deadlineMs));
  const elapsedMs = performance.now() - startedAt;
  deps.observeAssess(
    elapsedMs,
    outcome.decision,
    outcome.firedRules.map((firing) => firing.rule),
  );
  return assessResponseToProto(request.correlationId, outcome, elapsedMs * 1000);
}

function unary<Request, Response>(
  work: (request: Request) => Promise<Response>,
): (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => void {
  return (call, callback) => {
    work(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toGrpcError(error)),
    );
  };
}

const RESERVATION_ID_LENGTH_MAX = 200;

function releaseOf(request: ReleaseRequest): Extract<ReservationSettlement, { kind: 'release' }> {
  const reservationId = requireText(request.reservationId, 'reservation_id', RESERVATION_ID_LENGTH_MAX);
  const reason = RELEASE_REASON_NAMES[request.reason];
  if (reason === undefined) throw new ServiceError('INVALID_ARGUMENT', 'release reason is required');
  return { kind: 'release', reservationId, reason };
}

function requireText(value: string, field: string, lengthMax: number): string {
  if (value.length === 0 || value.length > lengthMax) {
    throw new ServiceError('INVALID_ARGUMENT', `${field} must have 1..${lengthMax} characters`);
  }
  return value;
}

type AssessHandlers = Pick<RiskServiceServer, 'assess' | 'assessOnce'>;
type ReservationHandlers = Pick<RiskServiceServer, 'confirm' | 'release' | 'settleReservations' | 'getT0Status'>;
type OperatorHandlers = Pick<
  RiskServiceServer,
  'listCases' | 'decideCase' | 'putBlacklistEntry' | 'deleteBlacklistEntry'
>;

export function createRiskService(deps: RiskServiceDependencies): RiskServiceServer {
  return { ...assessHandlers(deps), ...reservationHandlers(deps), ...operatorHandlers(deps) };
}

function assessHandlers(deps: RiskServiceDependencies): AssessHandlers {
  return {
    assess(call) {
      serveMultiplexedStream(call, {
        concurrencyMax: ASSESS_STREAM_IN_FLIGHT_MAX,
        handle: (request) => handleAssess(deps, request),
        // Too much in flight is risk being slow: limits fail closed.
        overloaded: (request) =>
          refusalResponse(request.correlationId, 'risk.overloaded', '96', 'risk stream over its in-flight limit'),
        failed: (request) => refusalResponse(request.correlationId, 'risk.failed', '96', 'risk failed to assess'),
      });
    },
    assessOnce: unary((request) => handleAssess(deps, request)),
  };
}

function reservationHandlers(deps: RiskServiceDependencies): ReservationHandlers {
  return {
    confirm: unary(async (request) => {
      requireText(request.reservationId, 'reservation_id', RESERVATION_ID_LENGTH_MAX);
      return { confirmed: await deps.operator.counters.confirm(request.reservationId) };
    }),
    release: unary(async (request) => {
      const release = releaseOf(request);
      return { released: await deps.operator.counters.release(release.reservationId, release.reason) };
    }),
    settleReservations: unary(async (request) => {
      const count = request.confirms.length + request.releases.length;
      if (count > RESERVATION_SETTLEMENTS_PER_BATCH_MAX) {
        throw new ServiceError(
          'INVALID_ARGUMENT',
          `at most ${RESERVATION_SETTLEMENTS_PER_BATCH_MAX} settlements a call`,
        );
      }
      const settlements: ReservationSettlement[] = [
        ...request.confirms.map((confirm) => ({
          kind: 'confirm' as const,
          reservationId: requireText(confirm.reservationId, 'reservation_id', RESERVATION_ID_LENGTH_MAX),
        })),
        ...request.releases.map(releaseOf),
      ];
      return settleReservations(deps.operator.counters, settlements);
    }),
    getT0Status: unary(async (request) => {
      requireText(request.merchantId, 'merchant_id', 64);
      const suspension = deps.cache.t0Suspension(request.merchantId);
      return suspension === undefined
        ? { suspended: false, reason: '', caseId: '', suspendedAtMs: 0n }
        : {
            suspended: true,
            reason: suspension.reason,
            caseId: suspension.caseId,
            suspendedAtMs: BigInt(suspension.suspendedAtMs),
          };
    }),
  };
}

function operatorHandlers(deps: RiskServiceDependencies): OperatorHandlers {
  return {
    listCases: unary(async (request) => {
      const status =
        request.status === ProtoCaseStatus.CASE_STATUS_UNSPECIFIED ? undefined : CASE_STATUSES[request.status];
      const page = await listCases(deps.operator, {
        status,
        merchantId: request.merchantId,
        pageSize: request.pageSize,
        pageToken: request.pageToken,
      });
      if ('problem' in page) throw new ServiceError('INVALID_ARGUMENT', page.problem);
      return { cases: page.cases.map(riskCaseToProto), nextPageToken: page.nextPageToken };
    }),
    decideCase: unary(async (request) => {
      const action = CASE_ACTIONS[request.action];
      if (action === undefined)
        throw new ServiceError('INVALID_ARGUMENT', 'action must be freeze_merchant, suspend_t0 or dismiss');
      if (request.note.length > OPERATOR_NOTE_LENGTH_MAX) throw new ServiceError('INVALID_ARGUMENT', 'note too long');
      const result = await decideCase(deps.operator, {
        caseId: requireText(request.caseId, 'case_id', 64),
        action,
        operatorId: requireText(request.operatorId, 'operator_id', 64),
        note: request.note,
      });
      if (result.kind === 'not_found') throw new ServiceError('NOT_FOUND', 'case not found');
      if (result.kind === 'already_decided')
        throw new ServiceError('FAILED_PRECONDITION', `case already ${result.riskCase.status}`);
      assert(result.riskCase.status !== 'open', 'decided cases are closed');
      return riskCaseToProto(result.riskCase);
    }),
    putBlacklistEntry: unary(async (request) => {
      const kind = BLACKLIST_KINDS[request.kind];
      if (kind === undefined) throw new ServiceError('INVALID_ARGUMENT', 'kind must be card, terminal or merchant');
      const entry = await putBlacklistEntry(deps.operator, {
        kind,
        value: requireText(request.value, 'value', BLACKLIST_VALUE_LENGTH_MAX),
        reason: requireText(request.reason, 'reason', OPERATOR_NOTE_LENGTH_MAX),
        operatorId: requireText(request.operatorId, 'operator_id', 64),
      });
      return blacklistEntryToProto(entry);
    }),
    deleteBlacklistEntry: unary(async (request) => {
      const kind = BLACKLIST_KINDS[request.kind];
      if (kind === undefined) throw new ServiceError('INVALID_ARGUMENT', 'kind must be card, terminal or merchant');
      const deleted = await deleteBlacklistEntry(deps.operator, {
        kind,
        value: requireText(request.value, 'value', BLACKLIST_VALUE_LENGTH_MAX),
        operatorId: requireText(request.operatorId, 'operator_id', 64),
      });
      return { deleted };
    }),
  };
}
