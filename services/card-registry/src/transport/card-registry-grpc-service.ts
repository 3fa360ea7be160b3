/**
 * gRPC handlers of acquirer.card_registry.v1.CardRegistryService: each parses its request, calls one flow
 * and maps the result. Refusals become typed gRPC errors; anything else is logged (without request
 * bodies, which carry card numbers) and answered INTERNAL.
 */
import { assert } from '@acq/assert';
import type { GrpcServiceRegistration } from '@acq/grpc';
import {
  type Actor as ActorMessage,
  type CardRegistryServiceServer,
  CardRegistryServiceService,
} from '@acq/proto/card_registry/v1/card_registry.ts';
import { LATENCY_BUCKETS_MS, type Logger } from '@acq/telemetry';
import { type handleUnaryCall, type sendUnaryData, type ServerUnaryCall, status } from '@grpc/grpc-js';
import type { Histogram, Meter } from '@opentelemetry/api';
import { invalidArgument } from '../domain/refusals.ts';
import { confirmCardVerification, confirmSmsCode } from '../flows/confirm-steps.ts';
import type { Actor, CardRegistryDeps } from '../flows/ports.ts';
import { getActiveSettlementCard, getCardChange, getSettlementCard, listCardChanges } from '../flows/read-cards.ts';
import { requestCardChange } from '../flows/request-change.ts';
import { reviewCardChange } from '../flows/review-change.ts';
import { signAgreement } from '../flows/sign-agreement.ts';
import { unbindSettlementCard } from '../flows/unbind-card.ts';
import { LIMITS } from '../limits.ts';
import { listSteps } from '../store/change-store.ts';
import type { CardChangeRecord } from '../store/change-store.ts';
import { activeSettlementCardMessage, cardChangeMessage, settlementCardMessage } from './messages.ts';
import { grpcErrorOfRefusal } from './refusal-status.ts';

const ACTOR_ROLES = ['operator', 'merchant', 'system'] as const;

function actorOf(message: ActorMessage | undefined): Actor {
  const role = ACTOR_ROLES.find((candidate) => candidate === message?.role);
  if (message === undefined || message.subject === '' || role === undefined)
    throw invalidArgument('ACTOR_REQUIRED', 'this call records who made it: actor {subject, role} is required');
  return { subject: message.subject, role };
}

type Handler<Request, Response> = (request: Request) => Promise<Response>;
type RequestOf<K extends keyof CardRegistryServiceServer> =
  CardRegistryServiceServer[K] extends handleUnaryCall<infer Request, infer _Response> ? Request : never;
type ResponseOf<K extends keyof CardRegistryServiceServer> =
  CardRegistryServiceServer[K] extends handleUnaryCall<infer _Request, infer Response> ? Response : never;
/** Every RPC of the contract has a handler with the contract's types, checked by the compiler. */
type Handlers = { [K in keyof typeof CardRegistryServiceService]: Handler<RequestOf<K>, ResponseOf<K>> };

function unary<Request, Response>(
  logger: Logger,
  durationMs: Histogram,
  method: string,
  handler: Handler<Request, Response>,
) {
  return (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>): void => {
    const startedAt = performance.now();
    const finish = (outcome: string) => durationMs.record(performance.now() - startedAt, { method, outcome });
    handler(call.request).then(
      (response) => {
        finish('ok');
        callback(null, response);
      },
      (error: unknown) => {
        const refusal = grpcErrorOfRefusal(error);
        if (refusal !== undefined) {
          finish('refused');
          callback(refusal);
          return;
        }
        finish('error');
        logger.error({ err: error, method }, 'card-registry gRPC handler failed');
        callback({ code: status.INTERNAL, details: 'internal error' });
      },
    );
  };
}

function changeHandlers(deps: CardRegistryDeps) {
  const present = async (change: CardChangeRecord) =>
    cardChangeMessage(change, await listSteps(deps.pool, change.changeId, LIMITS.changeStepsShownMax), deps.settings);
  return {
    requestCardChange: async (request: RequestOf<'requestCardChange'>) =>
      present(await requestCardChange(deps, request, actorOf(request.actor))),
    getCardChange: async (request: RequestOf<'getCardChange'>) => {
      const view = await getCardChange(deps, request.changeId);
      return cardChangeMessage(view.change, view.steps, deps.settings);
    },
    confirmSmsCode: async (request: RequestOf<'confirmSmsCode'>) =>
      present(await confirmSmsCode(deps, request.changeId, request.code, actorOf(request.actor))),
    signAgreement: async (request: RequestOf<'signAgreement'>) =>
      present(await signAgreement(deps, request.changeId, request.agreementVersion, actorOf(request.actor))),
    confirmCardVerification: async (request: RequestOf<'confirmCardVerification'>) =>
      present(await confirmCardVerification(deps, request.changeId, request.amountFen, actorOf(request.actor))),
    listCardChanges: async (request: RequestOf<'listCardChanges'>) => ({
      changes: (await listCardChanges(deps, request)).map((change) => cardChangeMessage(change, [], deps.settings)),
    }),
    reviewCardChange: async (request: RequestOf<'reviewCardChange'>) =>
      present(await reviewCardChange(deps, request.changeId, request.decision, request.reason, actorOf(request.actor))),
  };
}

function cardHandlers(deps: CardRegistryDeps) {
  return {
    getActiveSettlementCard: async (request: RequestOf<'getActiveSettlementCard'>) =>
      activeSettlementCardMessage(await getActiveSettlementCard(deps, request.merchantId, Number(request.asOfMs))),
    getSettlementCard: async (request: RequestOf<'getSettlementCard'>) => {
      const view = await getSettlementCard(deps, request.merchantId);
      return settlementCardMessage(view.card, view.nextChangeAllowedAtMs);
    },
    unbindSettlementCard: async (request: RequestOf<'unbindSettlementCard'>) => {
      const card = await unbindSettlementCard(deps, request.merchantId, request.reason, actorOf(request.actor));
      return { card: settlementCardMessage(card, 0) };
    },
  };
}

export function cardRegistryGrpcService(deps: CardRegistryDeps, logger: Logger, meter: Meter): GrpcServiceRegistration {
  const durationMs = meter.createHistogram('card_registry_grpc_duration_ms', {
    unit: 'ms',
    description: 'CardRegistryService handler duration by method and outcome',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  });
  const handlers: Handlers = { ...changeHandlers(deps), ...cardHandlers(deps) };
  const implementation: Record<string, ReturnType<typeof unary>> = {};
  for (const [method, handler] of Object.entries(handlers)) {
    implementation[method] = unary(logger, durationMs, method, handler as Handler<unknown, unknown>);
  }
  for (const method of Object.keys(CardRegistryServiceService)) {
    assert(implementation[method] !== undefined, `CardRegistryService.${method} has a handler`);
  }
  return { definition: CardRegistryServiceService, implementation };
}
