/**
 * The HTTP API edge (fastify): bearer-token access with roles, an audit log of operator actions, the
 * OpenAPI document at /docs, TypeBox request validation with clear 4xx errors, and the route plugins of
 * routes/index.ts. Returns the instance without listening: the gateway's main mounts it on port 8080
 * and adds /healthz, /readyz and /metrics.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from '@acq/telemetry';
import { type Meter, metrics } from '@opentelemetry/api';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { KeyedRateLimit } from '../../domain/keyed-rate-limit.ts';
import { installAccessControl } from './access-control.ts';
import { type AuditLog, installAuditLog } from './audit-log.ts';
import { errorReplyOf } from './http-error.ts';
import { HTTP_LIMITS } from './http-limits.ts';
import { createRouteContext, type HttpClients } from './route-context.ts';
import { ROUTE_PLUGINS } from './routes/index.ts';
import { ErrorBody } from './schemas/common.ts';
import { installTokenRateLimit } from './token-rate-limit.ts';

export interface HttpAppOptions {
  readonly clients: HttpClients;
  readonly accessTokenSecret: string;
  readonly auditLog: AuditLog;
  readonly logger: Logger;
  /** Tests pin the clock for token expiry; production uses Date.now. */
  readonly nowMs?: () => number;
  /** PEM certificate chain and key: the API (and the ops endpoints on its port) speak HTTPS only. */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  /** Requests per access token subject; defaults to the HTTP_LIMITS maxima. */
  readonly tokenRateLimit?: { readonly requestsPerSecond: number; readonly burstRequests: number };
  /** The service's meter (throttling counter); tests may leave it to the no-op global meter. */
  readonly meter?: Meter;
}

function installErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined) {
      return reply.code(400).send({ error: { code: 'INVALID_REQUEST', message: error.message } });
    }
    const mapped = errorReplyOf(error);
    if (mapped !== undefined) {
      if (mapped.statusCode >= 500) logger.warn({ err: error, requestId: request.id }, 'backing service unavailable');
      if (mapped.retryAfterSeconds !== undefined) reply.header('retry-after', String(mapped.retryAfterSeconds));
      return reply.code(mapped.statusCode).send({ error: { code: mapped.code, message: mapped.message } });
    }
    // Fastify's own client errors (malformed JSON, body too large, wrong content type) keep their status.
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .code(error.statusCode)
        .send({ error: { code: error.code ?? 'BAD_REQUEST', message: error.message } });
    }
    logger.error({ err: error, requestId: request.id }, 'HTTP request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` } }),
  );
}

async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Acquirer API',
        version: '1.0.0',
        description:
          'Operator and merchant API. Amounts are integer fen as digit strings; rates are units of 1/1,000,000. ' +
          'Errors are { error: { code, message } }. Authenticate with Authorization: Bearer <access token>.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.https === undefined ? {} : { https: { cert: options.https.cert, key: options.https.key } }),
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: HTTP_LIMITS.bodyBytesMax,
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
    routerOptions: { maxParamLength: HTTP_LIMITS.paramCharsMax },
  }) as unknown as FastifyInstance;
  app.addSchema(ErrorBody);
  installErrorHandling(app, options.logger);
  const nowMs = options.nowMs ?? Date.now;
  installAccessControl(app, { secret: options.accessTokenSecret, nowMs });
  installTokenRateLimit(app, {
    limit: new KeyedRateLimit({
      requestsPerSecond: options.tokenRateLimit?.requestsPerSecond ?? HTTP_LIMITS.tokenRequestsPerSecondMax,
      burst: options.tokenRateLimit?.burstRequests ?? HTTP_LIMITS.tokenBurstRequestsMax,
      keysMax: HTTP_LIMITS.tokenRateBucketsMax,
    }),
    nowMs,
    meter: options.meter ?? metrics.getMeter('@acq/gateway-service'),
  });
  installAuditLog(app, options.auditLog, options.logger);
  await installOpenApi(app);
  const context = createRouteContext(options.clients, HTTP_LIMITS.grpcCallTimeoutMs);
  for (const route of ROUTE_PLUGINS) await app.register(route.plugin, context);
  return app;
}
