/**
 * Builds the running merchant service from its settings: pool, migrations, bus tables, HSM, gRPC
 * server. main.ts calls it through runService; integration tests call it directly with their own schema.
 */
import { fileURLToPath } from 'node:url';
import { type Bus, createBusFromEnv, type OutboxRelay, writeOutboxEvents } from '@acq/bus';
import { SoftwareHsm } from '@acq/crypto';
import { createPool, pingDatabase, runMigrations } from '@acq/db';
import { type GrpcServerHandle, startGrpcServer } from '@acq/grpc';
import type { Logger } from '@acq/telemetry';
import { type Meter, metrics } from '@opentelemetry/api';
import type pg from 'pg';
import type { MerchantDeps, MerchantSettings } from './flows/ports.ts';
import { LIMITS } from './limits.ts';
import { createSensitiveDataCipher } from './store/sensitive-data-cipher.ts';
import { merchantGrpcService } from './transport/merchant-grpc-service.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface MerchantServiceOptions {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly masterKeyHex: string;
  readonly grpcPort: number;
  readonly settings: MerchantSettings;
  readonly logger: Logger;
  /** Metrics go to the service's Prometheus endpoint; tests leave it out (a no-op meter). */
  readonly meter?: Meter;
  /** KAFKA_BROKERS decides the bus backend (unset: the durable Postgres log in busSchema). */
  readonly busEnv: Record<string, string | undefined>;
  readonly busSchema?: string;
  /** Tests pin the clock; production uses Date.now. */
  readonly nowMs?: () => number;
}

export interface RunningMerchantService {
  readonly deps: MerchantDeps;
  readonly grpcPort: number;
  readonly pool: pg.Pool;
  readonly server: GrpcServerHandle;
  readonly bus: Bus;
  readonly relay: OutboxRelay;
  isReady(): Promise<boolean>;
  stop(graceMs: number): Promise<void>;
}

export async function startMerchantService(options: MerchantServiceOptions): Promise<RunningMerchantService> {
  const pool = createPool({
    connectionString: options.databaseUrl,
    schema: options.schema,
    applicationName: 'merchant',
    poolSizeMax: LIMITS.dbPoolSizeMax,
    statementTimeoutMs: LIMITS.dbStatementTimeoutMs,
  });
  await runMigrations(pool, { schema: options.schema, directory: MIGRATIONS_DIRECTORY });
  const bus = await createBusFromEnv(options.busEnv, {
    pool,
    schema: options.schema,
    clientId: 'merchant',
    logger: options.logger,
    ...(options.busSchema === undefined ? {} : { busSchema: options.busSchema }),
  });
  const relay = bus.startRelay({
    batchSizeMax: LIMITS.outboxRelayBatchSizeMax,
    pollIntervalMs: LIMITS.outboxRelayPollIntervalMs,
  });
  const masterKey = Buffer.from(options.masterKeyHex, 'hex');
  const deps: MerchantDeps = {
    pool,
    hsm: new SoftwareHsm({ masterKeyHex: options.masterKeyHex }),
    cipher: createSensitiveDataCipher(masterKey),
    writeOutboxEvents,
    nowMs: options.nowMs ?? Date.now,
    settings: options.settings,
  };
  masterKey.fill(0);
  const server = await startGrpcServer({
    port: options.grpcPort,
    services: [merchantGrpcService(deps, options.logger, options.meter ?? metrics.getMeter('merchant'))],
  });
  return {
    deps,
    grpcPort: server.port,
    pool,
    server,
    bus,
    relay,
    isReady: async () => {
      await pingDatabase(pool);
      return true;
    },
    async stop(graceMs) {
      await server.shutdown(graceMs);
      await relay.stop();
      await bus.close();
      await pool.end();
    },
  };
}
