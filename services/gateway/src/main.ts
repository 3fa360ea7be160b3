/**
 * The gateway: terminal TCP sessions on 8583 and the HTTP API edge on 8080 (with /healthz, /readyz
 * and /metrics). It translates terminal messages into gRPC calls and holds no business rules.
 */
import { createServer } from 'node:http';
import { SoftwareHsm } from '@acq/crypto';
import { createOpsHandler, runService } from '@acq/service-kit';
import { createAuthorizationClient } from './clients/authorization-client.ts';
import { createMerchantClient } from './clients/merchant-client.ts';
import { TerminalContextCache } from './clients/terminal-contexts.ts';
import { gatewayConfigSchema } from './config.ts';
import { TERMINAL_CONTEXT_CACHE_ENTRIES_MAX, TERMINAL_CONTEXT_TTL_MS } from './limits.ts';
import { createTerminalHandler } from './transport/tcp/terminal-handler.ts';
import { startTerminalServer } from './transport/tcp/terminal-server.ts';
import { UnknownOutcomeReversals } from './transport/tcp/unknown-outcome-reversals.ts';

await runService({
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  async start({ config, logger, meter, ops }) {
    const hsm = new SoftwareHsm({ masterKeyHex: config.HSM_MASTER_KEY });
    const merchant = createMerchantClient(config.MERCHANT_GRPC_URL);
    const authorization = createAuthorizationClient(
      config.AUTHORIZATION_GRPC_URL,
      config.GATEWAY_AUTHORIZATION_STREAMS,
    );
    const contexts = new TerminalContextCache({
      fetch: (terminalId) => merchant.getTerminalContext(terminalId),
      entriesMax: TERMINAL_CONTEXT_CACHE_ENTRIES_MAX,
      ttlMs: TERMINAL_CONTEXT_TTL_MS,
    });
    const reversals = new UnknownOutcomeReversals(authorization, logger);
    const handle = createTerminalHandler({
      hsm,
      contexts,
      merchant,
      authorization,
      reversals,
      acquirerId: config.GATEWAY_ACQUIRER_INSTITUTION_ID,
      logger,
      meter,
    });
    const terminals = await startTerminalServer({ port: config.GATEWAY_TCP_PORT, handle, logger, meter });
    const opsHandler = createOpsHandler(ops);
    const http = createServer((request, response) => {
      opsHandler(request, response).then(
        (handled) => {
          if (!handled) response.writeHead(404).end();
        },
        (error: unknown) => {
          logger.error({ err: error }, 'ops request failed');
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve) => http.listen(config.GATEWAY_HTTP_PORT, '0.0.0.0', resolve));
    logger.info({ tcpPort: terminals.port, httpPort: config.GATEWAY_HTTP_PORT }, 'gateway listening');
    return {
      readiness: [
        { name: 'authorization', check: async () => authorization.connected() },
        { name: 'merchant', check: () => merchant.ready() },
      ],
      async stop() {
        await terminals.close(config.SHUTDOWN_GRACE_MS / 2);
        reversals.stop();
        http.close();
        authorization.close();
        merchant.close();
      },
    };
  },
});
