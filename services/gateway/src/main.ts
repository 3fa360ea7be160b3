/**
 * The gateway: terminal TCP sessions on 8583 and the HTTP API edge on 8080 (with /healthz, /readyz
 * and /metrics). It translates terminal messages into gRPC calls and holds no business rules.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SoftwareHsm } from '@acq/crypto';
import { createPool, pingDatabase, runMigrations } from '@acq/db';
import { channelReady, createClient } from '@acq/grpc';
import { QrPaymentServiceClient } from '@acq/proto/authorization/v1/qr.ts';
import { CardRegistryServiceClient } from '@acq/proto/card_registry/v1/card_registry.ts';
import { RiskServiceClient } from '@acq/proto/risk/v1/risk.ts';
import { SettlementServiceClient } from '@acq/proto/settlement/v1/settlement.ts';
import { createOpsHandler, runService } from '@acq/service-kit';
import { createAuthorizationClient } from './clients/authorization-client.ts';
import { createMerchantClient, createMerchantServiceClient } from './clients/merchant-client.ts';
import { TerminalContextCache } from './clients/terminal-contexts.ts';
import { gatewayConfigSchema } from './config.ts';
import {
  DATABASE_POOL_SIZE_MAX,
  DATABASE_STATEMENT_TIMEOUT_MS,
  READY_PROBE_TIMEOUT_MS,
  TERMINAL_CONTEXT_CACHE_ENTRIES_MAX,
  TERMINAL_CONTEXT_TTL_MS,
  TERMINAL_RATE_BUCKETS_MAX,
  TERMINAL_REQUEST_BURST_MAX,
  TERMINAL_REQUESTS_PER_SECOND_MAX,
} from './limits.ts';
import { buildHttpApp } from './transport/http/app.ts';
import { createPostgresAuditLog } from './transport/http/audit-log.ts';
import { createTerminalHandler } from './transport/tcp/terminal-handler.ts';
import { KeyedRateLimit } from './domain/keyed-rate-limit.ts';
import { startTerminalServer, type TlsCredentials } from './transport/tcp/terminal-server.ts';
import { UnknownOutcomeReversals } from './transport/tcp/unknown-outcome-reversals.ts';

const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('./transport/http/migrations', import.meta.url));

await runService({
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  async start({ config, logger, meter, ops }) {
    const pool = createPool({
      connectionString: config.DATABASE_URL,
      schema: 'gateway',
      applicationName: 'gateway',
      poolSizeMax: DATABASE_POOL_SIZE_MAX,
      statementTimeoutMs: DATABASE_STATEMENT_TIMEOUT_MS,
    });
    await runMigrations(pool, { schema: 'gateway', directory: MIGRATIONS_DIRECTORY });
    const hsm = new SoftwareHsm({ masterKeyHex: config.HSM_MASTER_KEY });
    const merchantService = createMerchantServiceClient(config.MERCHANT_GRPC_URL);
    const merchant = createMerchantClient(merchantService);
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
      rateLimit: new KeyedRateLimit({
        requestsPerSecond: TERMINAL_REQUESTS_PER_SECOND_MAX,
        burst: TERMINAL_REQUEST_BURST_MAX,
        keysMax: TERMINAL_RATE_BUCKETS_MAX,
      }),
    });
    const tls = await readTlsCredentials(config.GATEWAY_TLS_CERT_FILE, config.GATEWAY_TLS_KEY_FILE);
    const terminals = await startTerminalServer({ port: config.GATEWAY_TCP_PORT, handle, logger, meter, tls });
    const areaClients = {
      risk: createClient(RiskServiceClient, config.RISK_GRPC_URL),
      qrPayments: createClient(QrPaymentServiceClient, config.AUTHORIZATION_GRPC_URL),
      cardRegistry: createClient(CardRegistryServiceClient, config.CARD_REGISTRY_GRPC_URL),
      settlement: createClient(SettlementServiceClient, config.SETTLEMENT_GRPC_URL),
    };
    const http = await buildHttpApp({
      clients: { merchant: merchantService, ...areaClients },
      accessTokenSecret: config.ACCESS_TOKEN_SECRET,
      auditLog: createPostgresAuditLog(pool),
      logger,
      https: tls,
      tokenRateLimit: {
        requestsPerSecond: config.GATEWAY_HTTP_TOKEN_REQUESTS_PER_SECOND,
        burstRequests: config.GATEWAY_HTTP_TOKEN_BURST_REQUESTS,
      },
      meter,
    });
    const opsHandler = createOpsHandler(ops);
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      http.get(path, { schema: { hide: true } }, async (request, reply) => {
        reply.hijack();
        await opsHandler(request.raw, reply.raw);
      });
    }
    await http.listen({ port: config.GATEWAY_HTTP_PORT, host: '0.0.0.0' });
    logger.info(
      { tcpPort: terminals.port, httpPort: config.GATEWAY_HTTP_PORT, tls: tls !== undefined },
      'gateway listening',
    );
    return {
      readiness: [
        { name: 'authorization', check: async () => authorization.connected() },
        { name: 'merchant', check: () => merchant.ready() },
        { name: 'postgres', check: () => pingDatabase(pool) },
        ...Object.entries(areaClients).map(([name, client]) => ({
          name,
          check: () => channelReady(client, READY_PROBE_TIMEOUT_MS),
        })),
      ],
      async stop() {
        await terminals.close(config.SHUTDOWN_GRACE_MS / 2);
        reversals.stop();
        await http.close();
        authorization.close();
        merchantService.close();
        for (const client of Object.values(areaClients)) client.close();
        await pool.end();
      },
    };
  },
});

/** TLS is opt-in: both files or neither (half a configuration is refused at start, not ignored). */
async function readTlsCredentials(certFile: string, keyFile: string): Promise<TlsCredentials | undefined> {
  if (certFile === '' && keyFile === '') return undefined;
  if (certFile === '' || keyFile === '') {
    throw new Error('GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE must be set together');
  }
  return { cert: await readFile(certFile), key: await readFile(keyFile) };
}
