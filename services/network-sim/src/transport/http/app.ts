/**
 * The admin HTTP app on port 8601: test cards, network files, wallets, bank rails, identity, SMS,
 * fault knobs, and /healthz, /readyz, /metrics. Built without listening so tests use inject.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { LIMITS } from '../../limits.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import type { SimulatorMetrics } from '../metrics.ts';
import { bankRoutes } from './bank-routes.ts';
import type { HttpCallbackSender } from './callback-sender.ts';
import { cardRoutes } from './card-routes.ts';
import { identityRoutes } from './identity-routes.ts';
import { networkRoutes } from './network-routes.ts';
import { errorBody } from './schemas.ts';
import { walletRoutes } from './wallet-routes.ts';

export interface AdminAppOptions {
  readonly simulator: NetworkSimulator;
  readonly metrics: SimulatorMetrics;
  readonly callbacks: HttpCallbackSender;
  readonly logLevel: string;
  /** Answers /readyz: true once the ISO listener is bound. */
  readonly isReady: () => boolean;
}

export async function buildAdminApp(options: AdminAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: options.logLevel, redact: ['req.headers.authorization'] },
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

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    options.isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'starting' }),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );

  await app.register(cardRoutes(options.simulator, LIMITS.pinTriesMax));
  await app.register(networkRoutes(options.simulator));
  await app.register(walletRoutes(options.simulator, options.callbacks));
  await app.register(bankRoutes(options.simulator));
  await app.register(identityRoutes(options.simulator));
  return app;
}
