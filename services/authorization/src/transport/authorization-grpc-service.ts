/**
 * The gRPC edge of the authorization service: the multiplexed Authorize stream and the unary
 * AuthorizeOnce fallback. Thin: parse, run the one flow, map the answer.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type GrpcServiceRegistration, serveMultiplexedStream } from '@acq/grpc';
import { withExtractedTraceContext } from '@acq/telemetry';
import {
  type AuthorizationServiceServer,
  AuthorizationServiceService,
  type AuthorizeRequest,
  type AuthorizeResponse,
} from '@acq/proto/authorization/v1/authorization.ts';
import { authorizeTransaction } from '../flows/authorize/authorize-transaction.ts';
import type { FlowDependencies } from '../flows/flow-dependencies.ts';
import type { TransactionIdentities } from '../flows/transaction-identity.ts';
import type { AuthorizationMetrics } from './authorization-metrics.ts';
import { authorizeResponseOf, refusalOf, terminalRequestOf } from './authorize-messages.ts';

export interface AuthorizationGrpcOptions {
  readonly deps: FlowDependencies;
  readonly identities: TransactionIdentities;
  readonly streamInFlightMax: number;
  readonly metrics?: AuthorizationMetrics;
}

const tracer = trace.getTracer('@acq/authorization-service');

/**
 * Runs one request as a server span whose parent is the gateway's span: streamed messages carry no
 * per-call gRPC metadata, so the W3C traceparent rides in the request itself.
 */
export function handleAuthorizeRequest(
  message: AuthorizeRequest,
  options: AuthorizationGrpcOptions,
): Promise<AuthorizeResponse> {
  const attributes = { 'acq.terminal.id': message.terminalId, 'acq.correlation_id': message.correlationId };
  return withExtractedTraceContext({ traceparent: message.traceparent }, () =>
    tracer.startActiveSpan('authorization.Authorize', { kind: SpanKind.SERVER, attributes }, async (span) => {
      try {
        const response = await authorizeInSpan(message, options);
        span.setAttributes({
          'acq.response_code': response.responseCode,
          'acq.merchant.number': response.merchantNumber,
        });
        return response;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    }),
  );
}

async function authorizeInSpan(
  message: AuthorizeRequest,
  options: AuthorizationGrpcOptions,
): Promise<AuthorizeResponse> {
  const startedAt = performance.now();
  const request = terminalRequestOf(message);
  if (request === undefined) {
    options.metrics?.recordAnswer('unknown', '30', performance.now() - startedAt);
    return refusalOf(message.correlationId, '30');
  }
  // A caller that sent no deadline gets the service's own budget.
  const deadlineMs = message.deadlineMs > 0 ? message.deadlineMs : options.deps.settings.transactionBudgetMs;
  const answer = await authorizeTransaction(request, deadlineMs, options.deps, options.identities);
  options.metrics?.recordAnswer(request.kind, answer.responseCode, performance.now() - startedAt);
  return authorizeResponseOf(answer);
}

export function authorizationGrpcService(options: AuthorizationGrpcOptions): GrpcServiceRegistration {
  const logger = options.deps.logger;
  const implementation: AuthorizationServiceServer = {
    authorize(call) {
      serveMultiplexedStream(call, {
        concurrencyMax: options.streamInFlightMax,
        handle: (message) => handleAuthorizeRequest(message, options),
        overloaded: (message) => refusalOf(message.correlationId, '96'),
        failed: (message, error) => {
          logger.error({ correlationId: message.correlationId, err: error }, 'authorization failed');
          return refusalOf(message.correlationId, '96');
        },
      });
    },
    authorizeOnce(call, callback) {
      handleAuthorizeRequest(call.request, options).then(
        (response) => callback(null, response),
        (error: unknown) => {
          logger.error({ correlationId: call.request.correlationId, err: error }, 'authorization failed');
          callback(null, refusalOf(call.request.correlationId, '96'));
        },
      );
    },
  };
  return { definition: AuthorizationServiceService, implementation };
}
