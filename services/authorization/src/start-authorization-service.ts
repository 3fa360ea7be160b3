/**
 * Builds the running authorization service: pool and migrations, bus (outbox relay, merchant.events
 * cache invalidation), HSM, clients of merchant, risk and the card network, the recovery job, and
 * the gRPC server. main.ts calls it inside the service shell; integration tests call it directly.
 */
import { fileURLToPath } from 'node:url';
import { type Bus, createBusFromEnv, type OutboxRelay, writeOutboxEvents } from '@acq/bus';
import { SoftwareHsm } from '@acq/crypto';
import { createPool, pingDatabase, runMigrations, withAdvisoryLease } from '@acq/db';
import { createClient, type GrpcServerHandle, startGrpcServer } from '@acq/grpc';
import { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import { RiskServiceClient } from '@acq/proto/risk/v1/risk.ts';
import type { Logger } from '@acq/telemetry';
import type { Meter } from '@opentelemetry/api';
import type pg from 'pg';
import { createUpstreamConnector, type UpstreamConnector } from './clients/upstream/index.ts';
import { loadQrConfig, type QrModuleConfig } from './qr/qr-config.ts';
import { createQrModule, type QrModule } from './qr/qr-module.ts';
import type { FlowDependencies, FlowSettings } from './flows/flow-dependencies.ts';
import { recoverInterruptedIntents } from './flows/recover-interrupted-intents.ts';
import { TransactionIdentities } from './flows/transaction-identity.ts';
import * as limits from './limits.ts';
import { TransactionStore } from './store/transaction-store.ts';
import { authorizationGrpcService } from './transport/authorization-grpc-service.ts';
import {
  createAuthorizationMetrics,
  pipelineStepObserver,
  riskAssessObserver,
} from './transport/authorization-metrics.ts';
import { HsmPinTranslator, resolveZonePinKey } from './transport/hsm-pin-translator.ts';
import { MERCHANT_EVENTS_TOPIC, merchantEventsHandler } from './transport/merchant-events-handler.ts';
import { MerchantContextClient } from './transport/merchant-context-client.ts';
import { responseCodeOf } from './transport/response-code.ts';
import { RiskClient } from './transport/risk-client.ts';
import { TerminalContextCache } from './transport/terminal-context-cache.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface AuthorizationServiceOptions {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly grpcPort: number;
  readonly instanceId: number;
  readonly masterKeyHex: string;
  readonly zonePinKey: string;
  readonly merchantAddress: string;
  readonly riskAddress: string;
  readonly networkAddress: string;
  readonly groupCommit: { readonly windowMs: number; readonly rowsMax: number };
  readonly settings: Omit<FlowSettings, 'pipelineStepCountMax' | 'businessDateOffsetMinutes'>;
  readonly logger: Logger;
  readonly meter: Meter;
  /** KAFKA_BROKERS decides the bus backend (unset: the durable Postgres log). */
  readonly busEnv: Record<string, string | undefined>;
  readonly busSchema?: string;
  /** QR payments (wallet providers, callbacks); default: from the environment (qr/qr-config.ts). */
  readonly qr?: QrModuleConfig;
}

export interface RunningAuthorizationService {
  readonly grpcPort: number;
  readonly pool: pg.Pool;
  readonly deps: FlowDependencies;
  isReady(): Promise<boolean>;
  stop(graceMs: number): Promise<void>;
}

export async function startAuthorizationService(
  options: AuthorizationServiceOptions,
): Promise<RunningAuthorizationService> {
  const pool = createPool({
    connectionString: options.databaseUrl,
    schema: options.schema,
    applicationName: 'authorization',
    poolSizeMax: limits.DATABASE_POOL_SIZE_MAX,
    statementTimeoutMs: limits.DATABASE_STATEMENT_TIMEOUT_MS_MAX,
  });
  await runMigrations(pool, { schema: options.schema, directory: MIGRATIONS_DIRECTORY });
  const bus = await createBusFromEnv(options.busEnv, {
    pool,
    schema: options.schema,
    clientId: 'authorization',
    logger: options.logger,
    ...(options.busSchema === undefined ? {} : { busSchema: options.busSchema }),
  });
  const relay = bus.startRelay({
    batchSizeMax: limits.OUTBOX_RELAY_BATCH_SIZE_MAX,
    pollIntervalMs: limits.OUTBOX_RELAY_POLL_INTERVAL_MS,
    lingerMs: limits.OUTBOX_RELAY_LINGER_MS,
  });
  const parts = buildParts(options, pool);
  await bus.subscribe({
    group: `authorization-terminal-cache-${options.instanceId}`,
    topics: [MERCHANT_EVENTS_TOPIC],
    handler: merchantEventsHandler(parts.cache),
    retryCountMax: limits.MERCHANT_EVENTS_RETRY_COUNT_MAX,
    // The cache starts empty, so only changes from now on matter to a new replica's group.
    startFrom: 'latest',
  });
  const recovery = startRecovery(pool, options.logger, parts.upstream, options.settings.acquirerInstitutionId);
  const identities = new TransactionIdentities(options.instanceId);
  const server = await startGrpcServer({
    port: options.grpcPort,
    services: [
      authorizationGrpcService({
        deps: parts.deps,
        identities,
        streamInFlightMax: limits.STREAM_IN_FLIGHT_REQUESTS_MAX,
        metrics: createAuthorizationMetrics(options.meter, parts.store),
      }),
      parts.qr.grpcService,
    ],
  });
  parts.qr.startResolver();
  return {
    grpcPort: server.port,
    pool,
    deps: parts.deps,
    // Ready only with the risk stream open too: the first transactions must not pay for its set-up.
    isReady: async () => {
      await pingDatabase(pool);
      return parts.upstream.ready() && parts.risk.connectedStreams > 0;
    },
    stop: (graceMs) => stopAll({ server, recovery, relay, bus, parts, pool }, graceMs),
  };
}

interface Parts {
  readonly deps: FlowDependencies;
  readonly cache: TerminalContextCache;
  readonly upstream: UpstreamConnector;
  readonly risk: RiskClient;
  readonly store: TransactionStore;
  readonly qr: QrModule;
}

function buildParts(options: AuthorizationServiceOptions, pool: pg.Pool): Parts {
  const hsm = new SoftwareHsm({ masterKeyHex: options.masterKeyHex });
  const cache = new TerminalContextCache({
    entriesMax: limits.TERMINAL_CONTEXT_CACHE_ENTRIES_MAX,
    ttlMs: limits.TERMINAL_CONTEXT_CACHE_TTL_MS_MAX,
    nowMs: Date.now,
  });
  const store = new TransactionStore(pool, async (client, events) => void (await writeOutboxEvents(client, events)), {
    windowMs: options.groupCommit.windowMs,
    rowsMax: options.groupCommit.rowsMax,
    queueRowsMax: limits.GROUP_COMMIT_QUEUE_ROWS_MAX,
    concurrentBatchesMax: limits.GROUP_COMMIT_CONCURRENT_BATCHES_MAX,
  });
  const upstream = createUpstreamConnector({
    address: options.networkAddress,
    acquirerInstitutionId: options.settings.acquirerInstitutionId,
    pool: { connectionCountMax: limits.UPSTREAM_CONNECTION_COUNT },
    timeouts: { requestTimeoutMs: options.settings.upstreamTimeoutMs },
    sql: pool,
    schema: options.schema,
    logger: options.logger,
    meter: options.meter,
  });
  const risk = new RiskClient(
    createClient(RiskServiceClient, options.riskAddress),
    {
      streamCount: limits.RISK_STREAM_COUNT,
      inFlightMax: limits.RISK_IN_FLIGHT_REQUESTS_MAX,
      reconnectDelayMsMin: limits.RISK_RECONNECT_DELAY_MS_MIN,
      reconnectDelayMsMax: limits.RISK_RECONNECT_DELAY_MS_MAX,
      releaseTimeoutMs: limits.RISK_RELEASE_TIMEOUT_MS,
      settlementBatch: {
        windowMs: limits.RISK_SETTLEMENT_WINDOW_MS,
        sizeMax: limits.RISK_SETTLEMENT_BATCH_SIZE_MAX,
        queueSizeMax: limits.RISK_SETTLEMENT_QUEUE_SIZE_MAX,
        callsInFlightMax: limits.RISK_SETTLEMENT_CALLS_IN_FLIGHT_MAX,
      },
    },
    options.logger,
    riskAssessObserver(options.meter),
  );
  const merchants = new MerchantContextClient(
    createClient(MerchantServiceClient, options.merchantAddress),
    cache,
    options.logger,
  );
  const qr = createQrModule({
    pool,
    config: options.qr ?? loadQrConfig(process.env),
    merchants,
    risk,
    settings: options.settings,
    logger: options.logger,
  });
  const deps: FlowDependencies = {
    settings: {
      ...options.settings,
      pipelineStepCountMax: limits.PIPELINE_STEP_COUNT_MAX,
      businessDateOffsetMinutes: BEIJING_OFFSET_MINUTES,
    },
    store,
    merchants,
    risk,
    upstream,
    pinTranslator: new HsmPinTranslator(hsm, resolveZonePinKey(hsm, options.zonePinKey)),
    scanCodePayments: qr.deps,
    logger: options.logger,
    responseCodeOf,
    nowMs: Date.now,
    observeStep: pipelineStepObserver(options.meter),
  };
  return { deps, cache, upstream, risk, store, qr };
}

/** CUP business days follow Beijing time (UTC+8, no daylight saving). */
const BEIJING_OFFSET_MINUTES = 480;

interface Recovery {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

function startRecovery(
  pool: pg.Pool,
  logger: Logger,
  upstream: UpstreamConnector,
  acquirerInstitutionId: string,
): Recovery {
  const controller = new AbortController();
  const done = withAdvisoryLease(
    pool,
    'authorization:recover-interrupted-intents',
    async (_lease, signal) => {
      while (!signal.aborted) {
        await recoverInterruptedIntents({
          pool,
          logger,
          upstream,
          acquirerInstitutionId,
          pendingAgeMsMin: limits.RECOVERY_PENDING_AGE_MS_MIN,
          batchRowsMax: limits.RECOVERY_BATCH_ROWS_MAX,
        });
        await sleepUnlessAborted(limits.RECOVERY_INTERVAL_MS, signal);
      }
    },
    { signal: controller.signal, logger },
  );
  return { controller, done };
}

function sleepUnlessAborted(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, delayMs);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

async function stopAll(
  running: {
    server: GrpcServerHandle;
    recovery: Recovery;
    relay: OutboxRelay;
    bus: Bus;
    parts: Parts;
    pool: pg.Pool;
  },
  graceMs: number,
): Promise<void> {
  await running.server.shutdown(graceMs);
  await running.parts.qr.stop();
  running.recovery.controller.abort();
  await running.recovery.done;
  await running.parts.store.close();
  await running.relay.stop();
  // bus.close() also stops its subscriptions (the merchant.events consumer); stopping it twice is not safe.
  await running.bus.close();
  await running.parts.risk.close();
  await running.parts.upstream.close();
  await running.pool.end();
}
