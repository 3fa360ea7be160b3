/**
 * The admin HTTP app on port 8601: test cards, network files, wallets, bank rails, identity, SMS,
 * fault knobs, and /healthz, /readyz, /metrics. Built without listening so tests use inject.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { LIMITS } from '../../limits.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bankRoutes } from './bank-routes.ts';
import type { HttpCallbackSender } from './callback-sender.ts';
import { cardRoutes } from './card-routes.ts';
import { identityRoutes } from './identity-routes.ts';
import { networkRoutes } from './network-routes.ts';
import { errorBody } from './schemas.ts';
import { walletRoutes } from './wallet-routes.ts';

const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export interface AdminAppOptions {
  readonly simulator: NetworkSimulator;
  readonly callbacks: HttpCallbackSender;
  /** The service's pino logger; undefined in tests (no logging). */
  readonly logger: FastifyBaseLogger | undefined;
  /** The platform's /healthz, /readyz and /metrics handler (createOpsHandler of @acq/service-kit). */
  readonly opsHandler: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}

export async function buildAdminApp(options: AdminAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    // Test suites poll the admin API constantly; a line per request would drown the useful logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: LIMITS.httpBodyBytesMax,
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler<FastifyError>((error, request, reply) => {
    const status = error.statusCode ?? 500;
    if (error.validation !== undefined) {
      return reply.code(400).send(errorBody('INVALID_REQUEST', error.message));
    }
    if (status < 500) return reply.code(status).send(errorBody('INVALID_REQUEST', error.message));
    request.log.error({ err: error }, 'admin request failed');
    return reply.code(500).send(errorBody('INTERNAL', 'internal error'));
  });

  for (const path of OPS_PATHS) {
    app.get(path, async (request, reply) => {
      // The ops handler writes the raw response itself (Prometheus text, readiness JSON).
      reply.hijack();
      const handled = await options.opsHandler(request.raw, reply.raw);
      if (!handled) reply.raw.writeHead(404).end();
    });
  }

  const plugins = [
    cardRoutes(options.simulator, LIMITS.pinTriesMax),
    ...networkRoutes(options.simulator),
    ...walletRoutes(options.simulator, options.callbacks),
    ...bankRoutes(options.simulator),
    ...identityRoutes(options.simulator),
  ];
  for (const plugin of plugins) await app.register(plugin);
  return app;
}
