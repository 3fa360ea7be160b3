/**
 * gRPC handlers of acquirer.merchant.v1.MerchantService: each parses its request, calls one flow and
 * maps the result. Refusals become typed gRPC errors; anything else is logged and answered INTERNAL.
 */
import { type handleUnaryCall, type sendUnaryData, type ServerUnaryCall, status } from '@grpc/grpc-js';
import { LATENCY_BUCKETS_MS, type Logger } from '@acq/telemetry';
import type { Histogram, Meter } from '@opentelemetry/api';
import { RefusalError } from '../domain/errors.ts';
import { assert } from '@acq/assert';
import { fen } from '@acq/money';
import {
  type Actor as ActorMessage,
  type MerchantServiceServer,
  MerchantServiceService,
} from '@acq/proto/merchant/v1/merchant.ts';
import type { GrpcServiceRegistration } from '@acq/grpc';
import { QR_KINDS } from '../domain/qr-code.ts';
import { isMerchantStatus, isTerminalStatus } from '../domain/terminal-rules.ts';
import { LIMITS } from '../limits.ts';
import { getRequestedSettlementCard, getMerchant, setMerchantFeePlan, setMerchantStatus } from '../flows/merchants.ts';
import {
  approveApplication,
  getApplication,
  rejectApplication,
  startApplicationReview,
  submitApplication,
} from '../flows/onboarding.ts';
import type { Actor, MerchantDeps } from '../flows/ports.ts';
import { createQrCode, listMerchantQrCodes, resolveQrCode, revokeQrCode } from '../flows/qr-codes.ts';
import { invalidArgument } from '../flows/refuse.ts';
import { approveT0Application, disableT0, rejectT0Application, submitT0Application } from '../flows/t0.ts';
import {
  getTerminalContext,
  reportTerminalLocation,
  setTerminalBatch,
  signInTerminal,
  signOffTerminal,
} from '../flows/terminal-session.ts';
import {
  activateTerminal,
  listTerminals,
  rebindTerminal,
  registerTerminal,
  setTerminalStatus,
} from '../flows/terminals.ts';
import { qrContent } from '../domain/qr-code.ts';
import {
  applicationMessage,
  feePlanFromMessage,
  merchantMessage,
  qrCodeMessage,
  t0ApplicationMessage,
  terminalContextMessage,
  terminalMessage,
} from './messages.ts';
import { grpcErrorOfRefusal } from './refusal-status.ts';

const ACTOR_ROLES = ['operator', 'merchant', 'system'] as const;

function actorOf(message: ActorMessage | undefined): Actor {
  const role = ACTOR_ROLES.find((candidate) => candidate === message?.role);
  if (message === undefined || message.subject === '' || role === undefined) {
    throw invalidArgument('ACTOR_REQUIRED', 'this call records who made it: actor {subject, role} is required');
  }
  return { subject: message.subject, role };
}

type Handler<Request, Response> = (request: Request) => Promise<Response>;

interface Observability {
  readonly logger: Logger;
  /** Handler duration by method and outcome (ok | refused | failed) and refusal code. */
  readonly durationMs: Histogram;
}

function unary<Request, Response>(observability: Observability, method: string, handler: Handler<Request, Response>) {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>): void => {
    const startedAt = performance.now();
    const observe = (outcome: string, code: string) =>
      observability.durationMs.record(performance.now() - startedAt, { method, outcome, code });
    handler(call.request).then(
      (response) => {
        observe('ok', '');
        callback(null, response);
      },
      (error: unknown) => {
        const refusal = grpcErrorOfRefusal(error);
        if (refusal !== undefined) {
          observe('refused', error instanceof RefusalError ? error.refusal.code : '');
          callback(refusal);
          return;
        }
        observe('failed', '');
        observability.logger.error({ err: error, method }, 'merchant gRPC handler failed');
        callback({ code: status.INTERNAL, details: 'internal error' });
      },
    );
  };
}

function terminalHandlers(deps: MerchantDeps) {
  return {
    getTerminalContext: async (request: { terminalId: string }) =>
      terminalContextMessage(await getTerminalContext(deps, request.terminalId)),
    signInTerminal: async (request: { terminalId: string; merchantNumberFromTerminal: string; keyMode: string }) => {
      const signedIn = await signInTerminal(deps, request);
      return {
        field62: Buffer.from(signedIn.field62),
        batchNumber: signedIn.batchNumber,
        context: terminalContextMessage(signedIn.context),
      };
    },
    signOffTerminal: async (request: { terminalId: string }) => ({
      context: terminalContextMessage(await signOffTerminal(deps, request.terminalId)),
    }),
    setTerminalBatch: async (request: { terminalId: string; batchNumber: string }) => ({
      context: terminalContextMessage(await setTerminalBatch(deps, request.terminalId, request.batchNumber)),
    }),
    reportTerminalLocation: async (request: RequestOf<'reportTerminalLocation'>) => {
      const location = request.location;
      if (location === undefined) throw invalidArgument('INVALID_LOCATION', 'location is required');
      const context = await reportTerminalLocation(deps, request.terminalId, {
        latitudeE6: location.latitudeE6,
        longitudeE6: location.longitudeE6,
        areaCode: location.areaCode,
        reportedAtMs: location.reportedAtMs === 0n ? deps.nowMs() : Number(location.reportedAtMs),
      });
      return { contextVersion: context.contextVersion };
    },
  };
}

type RequestOf<K extends keyof MerchantServiceServer> =
  MerchantServiceServer[K] extends handleUnaryCall<infer Request, infer _Response> ? Request : never;
type ResponseOf<K extends keyof MerchantServiceServer> =
  MerchantServiceServer[K] extends handleUnaryCall<infer _Request, infer Response> ? Response : never;
/** Every RPC of the contract has a handler with the contract's types, checked by the compiler. */
type Handlers = { [K in keyof typeof MerchantServiceService]: Handler<RequestOf<K>, ResponseOf<K>> };

function onboardingHandlers(deps: MerchantDeps) {
  return {
    submitApplication: async (request: RequestOf<'submitApplication'>) =>
      applicationMessage(await submitApplication(deps, request, actorOf(request.actor))),
    getApplication: async (request: RequestOf<'getApplication'>) =>
      applicationMessage(await getApplication(deps, request.applicationId)),
    startApplicationReview: async (request: RequestOf<'startApplicationReview'>) =>
      applicationMessage(await startApplicationReview(deps, request.applicationId, actorOf(request.actor))),
    approveApplication: async (request: RequestOf<'approveApplication'>) => {
      const approved = await approveApplication(
        deps,
        request.applicationId,
        actorOf(request.actor),
        feePlanFromMessage(request.feePlan),
      );
      return {
        merchantId: approved.merchant.merchantId,
        merchantNumber: approved.merchant.merchantNumber,
        application: applicationMessage(approved.application),
      };
    },
    rejectApplication: async (request: RequestOf<'rejectApplication'>) =>
      applicationMessage(await rejectApplication(deps, request.applicationId, request.reason, actorOf(request.actor))),
    getRequestedSettlementCard: (request: RequestOf<'getRequestedSettlementCard'>) =>
      getRequestedSettlementCard(deps, request.merchantId),
  };
}

function merchantHandlers(deps: MerchantDeps) {
  return {
    getMerchant: async (request: RequestOf<'getMerchant'>) =>
      merchantMessage(await getMerchant(deps, request.merchantId)),
    setMerchantStatus: async (request: RequestOf<'setMerchantStatus'>) => {
      const target = request.status;
      if (!isMerchantStatus(target)) throw invalidArgument('INVALID_STATUS', 'status is active, frozen or closed');
      const merchant = await setMerchantStatus(deps, {
        merchantId: request.merchantId,
        status: target,
        reason: request.reason,
        actor: actorOf(request.actor),
      });
      return merchantMessage(merchant);
    },
    setMerchantFeePlan: async (request: RequestOf<'setMerchantFeePlan'>) => {
      const plan = feePlanFromMessage(request.feePlan);
      return merchantMessage(
        await setMerchantFeePlan(deps, { merchantId: request.merchantId, plan, actor: actorOf(request.actor) }),
      );
    },
    submitT0Application: async (request: RequestOf<'submitT0Application'>) =>
      t0ApplicationMessage(await submitT0Application(deps, request.merchantId, actorOf(request.actor))),
    approveT0Application: async (request: RequestOf<'approveT0Application'>) =>
      t0ApplicationMessage(await approveT0Application(deps, request.t0ApplicationId, actorOf(request.actor))),
    rejectT0Application: async (request: RequestOf<'rejectT0Application'>) =>
      t0ApplicationMessage(
        await rejectT0Application(deps, request.t0ApplicationId, request.reason, actorOf(request.actor)),
      ),
    disableT0: async (request: RequestOf<'disableT0'>) =>
      merchantMessage(await disableT0(deps, request.merchantId, request.reason, actorOf(request.actor))),
  };
}

function terminalAdminHandlers(deps: MerchantDeps) {
  return {
    registerTerminal: async (request: RequestOf<'registerTerminal'>) => {
      const registered = await registerTerminal(deps, { ...request, actor: actorOf(request.actor) });
      return { terminal: terminalMessage(registered.terminal), activationCode: registered.activationCode };
    },
    listTerminals: async (request: RequestOf<'listTerminals'>) => ({
      terminals: (await listTerminals(deps, request.merchantId, LIMITS.listRowsMax)).map(terminalMessage),
    }),
    activateTerminal: async (request: RequestOf<'activateTerminal'>) => {
      const activated = await activateTerminal(deps, request);
      return {
        terminalId: activated.terminal.terminalId,
        merchantId: activated.merchant.merchantId,
        merchantNumber: activated.merchant.merchantNumber,
        tmk: activated.tmk.tmkClearForDelivery,
        tmkCheckValue: activated.tmk.kcv,
      };
    },
    rebindTerminal: async (request: RequestOf<'rebindTerminal'>) => {
      const rebound = await rebindTerminal(deps, { ...request, actor: actorOf(request.actor) });
      return { terminal: terminalMessage(rebound.terminal), activationCode: rebound.activationCode };
    },
    setTerminalStatus: async (request: RequestOf<'setTerminalStatus'>) => {
      const target = request.status;
      if (!isTerminalStatus(target) || target === 'registered') {
        throw invalidArgument('INVALID_STATUS', 'status is activated, frozen or retired');
      }
      const terminal = await setTerminalStatus(deps, { ...request, status: target, actor: actorOf(request.actor) });
      return terminalMessage(terminal);
    },
  };
}

function qrHandlers(deps: MerchantDeps) {
  const contentOf = (token: string) => qrContent(deps.settings.qrBaseUrl, token);
  return {
    createQrCode: async (request: RequestOf<'createQrCode'>) => {
      const kind = QR_KINDS.find((candidate) => candidate === request.kind);
      if (kind === undefined) throw invalidArgument('INVALID_QR_KIND', 'kind is static or dynamic');
      if (request.timeToLiveMs > BigInt(Number.MAX_SAFE_INTEGER))
        throw invalidArgument('INVALID_TIME_TO_LIVE', 'too long');
      const code = await createQrCode(deps, {
        merchantId: request.merchantId,
        kind,
        amountFen: fen(request.amountFen),
        timeToLiveMs: Number(request.timeToLiveMs),
        description: request.description,
        actor: actorOf(request.actor),
      });
      return qrCodeMessage(code, contentOf(code.token), deps.nowMs());
    },
    listQrCodes: async (request: RequestOf<'listQrCodes'>) => ({
      qrCodes: (await listMerchantQrCodes(deps, request.merchantId)).map((code) =>
        qrCodeMessage(code, contentOf(code.token), deps.nowMs()),
      ),
    }),
    revokeQrCode: async (request: RequestOf<'revokeQrCode'>) => {
      const code = await revokeQrCode(deps, {
        qrCodeId: request.qrCodeId,
        merchantId: request.merchantId,
        actor: actorOf(request.actor),
      });
      return qrCodeMessage(code, contentOf(code.token), deps.nowMs());
    },
    resolveQrCode: async (request: RequestOf<'resolveQrCode'>) => {
      const resolved = await resolveQrCode(deps, request.content, request.consume);
      return {
        qrCode: qrCodeMessage(resolved.code, contentOf(resolved.code.token), deps.nowMs()),
        merchantNumber: resolved.merchant.merchantNumber,
        merchantName: resolved.merchant.businessName,
        mcc: resolved.merchant.mcc,
      };
    },
  };
}

/** The service registration for startGrpcServer. */
export function merchantGrpcService(deps: MerchantDeps, logger: Logger, meter: Meter): GrpcServiceRegistration {
  const observability: Observability = {
    logger,
    durationMs: meter.createHistogram('merchant_grpc_duration_ms', {
      unit: 'ms',
      description: 'MerchantService handler duration by method and outcome',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
    }),
  };
  const handlers: Handlers = {
    ...terminalHandlers(deps),
    ...onboardingHandlers(deps),
    ...merchantHandlers(deps),
    ...terminalAdminHandlers(deps),
    ...qrHandlers(deps),
  };
  const implementation: Record<string, ReturnType<typeof unary>> = {};
  for (const [method, handler] of Object.entries(handlers)) {
    implementation[method] = unary(observability, method, handler as Handler<unknown, unknown>);
  }
  for (const method of Object.keys(MerchantServiceService)) {
    assert(implementation[method] !== undefined, `MerchantService.${method} has a handler`);
  }
  return { definition: MerchantServiceService, implementation };
}
