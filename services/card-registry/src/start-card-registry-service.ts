/**
 * Builds the running card registry from its settings: pool, migrations, bus (outbox relay and the
 * merchant.events consumer), providers, gRPC server. main.ts calls it through runService; integration
 * tests call it directly with their own schema and ports.
 */
import { fileURLToPath } from 'node:url';
import { type Bus, createBusFromEnv, type OutboxRelay, type Subscription } from '@acq/bus';
import { defaultBinTable } from '@acq/card-bins';
import { createPool, pingDatabase, runMigrations } from '@acq/db';
import { type GrpcServerHandle, startGrpcServer } from '@acq/grpc';
import type { Logger } from '@acq/telemetry';
import { type Meter, metrics } from '@opentelemetry/api';
import type pg from 'pg';
import { createMerchantDirectory } from './clients/merchant-directory.ts';
import { NetworkSimProvider } from './clients/network-sim-provider.ts';
import type { CardRegistryDeps, CardRegistrySettings } from './flows/ports.ts';
import { LIMITS } from './limits.ts';
import { createCardCipher } from './store/card-cipher.ts';
import { cardRegistryGrpcService } from './transport/card-registry-grpc-service.ts';
import { CONSUMER_GROUP, MERCHANT_EVENTS_TOPIC, merchantEventsHandler } from './transport/merchant-events-consumer.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface CardRegistryServiceOptions {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly masterKeyHex: string;
  readonly cardTokenKeyHex: string;
  readonly grpcPort: number;
  readonly merchantGrpcAddress: string;
  readonly providerBaseUrl: string;
  readonly settings: CardRegistrySettings;
  readonly logger: Logger;
  readonly meter?: Meter;
  /** KAFKA_BROKERS decides the bus backend (unset: the durable Postgres log in busSchema). */
  readonly busEnv: Record<string, string | undefined>;
  readonly busSchema?: string;
  /** Tests pin the clock; production uses Date.now. */
  readonly nowMs?: () => number;
}

export interface RunningCardRegistryService {
  readonly deps: CardRegistryDeps;
  readonly grpcPort: number;
  readonly pool: pg.Pool;
  readonly bus: Bus;
  isReady(): Promise<boolean>;
  stop(graceMs: number): Promise<void>;
}

/** The flows' dependencies: merchant directory, the provider adapter for identity, SMS and bank, keys. */
function createDeps(
  options: CardRegistryServiceOptions,
  pool: pg.Pool,
): { readonly deps: CardRegistryDeps; readonly merchants: { close(): void } } {
  const merchants = createMerchantDirectory(options.merchantGrpcAddress, LIMITS.merchantCallTimeoutMs);
  const provider = new NetworkSimProvider({
    baseUrl: options.providerBaseUrl,
    timeoutMs: LIMITS.providerCallTimeoutMs,
    responseBytesMax: LIMITS.providerResponseBytesMax,
  });
  const masterKey = Buffer.from(options.masterKeyHex, 'hex');
  const cardTokenKey = Buffer.from(options.cardTokenKeyHex, 'hex');
  const deps: CardRegistryDeps = {
    pool,
    cipher: createCardCipher(masterKey, cardTokenKey),
    binTable: defaultBinTable,
    merchants,
    identity: provider,
    notifications: provider,
    bank: provider,
    settings: options.settings,
    logger: options.logger,
    nowMs: options.nowMs ?? Date.now,
  };
  masterKey.fill(0);
  cardTokenKey.fill(0);
  return { deps, merchants };
}

export async function startCardRegistryService(
  options: CardRegistryServiceOptions,
): Promise<RunningCardRegistryService> {
  const pool = createPool({
    connectionString: options.databaseUrl,
    schema: options.schema,
    applicationName: 'card-registry',
    poolSizeMax: LIMITS.dbPoolSizeMax,
    statementTimeoutMs: LIMITS.dbStatementTimeoutMs,
  });
  await runMigrations(pool, { schema: options.schema, directory: MIGRATIONS_DIRECTORY });
  const bus = await createBusFromEnv(options.busEnv, {
    pool,
    schema: options.schema,
    clientId: 'card-registry',
    logger: options.logger,
    ...(options.busSchema === undefined ? {} : { busSchema: options.busSchema }),
  });
  const relay: OutboxRelay = bus.startRelay({
    batchSizeMax: LIMITS.outboxRelayBatchSizeMax,
    pollIntervalMs: LIMITS.outboxRelayPollIntervalMs,
  });
  const { deps, merchants } = createDeps(options, pool);
  const subscription: Subscription = await bus.subscribe({
    group: CONSUMER_GROUP,
    topics: [MERCHANT_EVENTS_TOPIC],
    handler: merchantEventsHandler(deps),
    retryCountMax: LIMITS.consumerRetryCountMax,
    batchSizeMax: LIMITS.consumerBatchSizeMax,
    pollIntervalMs: LIMITS.consumerPollIntervalMs,
  });
  const server: GrpcServerHandle = await startGrpcServer({
    port: options.grpcPort,
    services: [cardRegistryGrpcService(deps, options.logger, options.meter ?? metrics.getMeter('card-registry'))],
  });
  return {
    deps,
    grpcPort: server.port,
    pool,
    bus,
    isReady: async () => {
      await pingDatabase(pool);
      return true;
    },
    async stop(graceMs) {
      await server.shutdown(graceMs);
      await subscription.stop();
      await relay.stop();
      await bus.close();
      merchants.close();
      await pool.end();
    },
  };
}
