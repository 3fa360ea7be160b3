/**
 * Wires the settlement service: pool and migrations, calendar, ports to the merchant service, card
 * registry and bank rails, the bus subscriptions, the gRPC server and the background jobs.
 */
import { fileURLToPath } from 'node:url';
import { type Bus, createBusFromEnv, type Subscription } from '@acq/bus';
import { createPool, pingDatabase, runMigrations } from '@acq/db';
import type { Meter } from '@opentelemetry/api';
import { registerSettlementMetrics } from './transport/settlement-metrics.ts';
import { startGrpcServer } from '@acq/grpc';
import { SettlementServiceService } from '@acq/proto/settlement/v1/settlement.ts';
import type { Logger } from '@acq/telemetry';
import { createAccountNumberCipher } from './clients/account-number-cipher.ts';
import { CardRegistryClient } from './clients/card-registry-client.ts';
import { MerchantDirectoryClient } from './clients/merchant-directory-client.ts';
import { NetworkSimFilesClient } from './clients/network-files-client.ts';
import { NetworkSimBankClient } from './clients/network-sim-bank-client.ts';
import type { BusinessCalendar } from './domain/calendar.ts';
import type { SettlementContext } from './flows/settlement-context.ts';
import {
  CONSUMER_BATCH_LINGER_MS,
  CONSUMER_PARTITION_WORKER_COUNT,
  CONSUMER_RETRY_COUNT_MAX,
  DATABASE_STATEMENT_TIMEOUT_MS,
  EVENT_BATCH_SIZE_MAX,
  NETWORK_FILE_TIMEOUT_MS,
  OUTBOX_RELAY_BATCH_SIZE_MAX,
  OUTBOX_RELAY_POLL_INTERVAL_MS,
  PAYOUT_WORKER_BATCH_SIZE_MAX,
  PEER_GRPC_TIMEOUT_MS,
} from './limits.ts';
import { loadBusinessCalendar, readCalendarData } from './store/calendar-store.ts';
import { startBackgroundJobs } from './transport/background-jobs.ts';
import {
  AUTHORIZATION_EVENTS_TOPIC,
  authorizationBatchHandler,
  CARD_REGISTRY_EVENTS_TOPIC,
  cardRegistryEventHandler,
  MERCHANT_EVENTS_TOPIC,
  merchantEventHandler,
} from './transport/event-handlers.ts';
import { settlementGrpcService } from './transport/grpc-service.ts';

const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../migrations', import.meta.url));

export type SettlementServiceOptions = {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly poolSizeMax: number;
  readonly masterKeyHex: string;
  readonly grpcPort: number;
  readonly merchantGrpcUrl: string;
  readonly cardRegistryGrpcUrl: string;
  readonly networkSimHttpUrl: string;
  readonly cutoffMinuteOfDay: number;
  readonly t1RunMinuteOfDay: number;
  readonly reconciliationRunMinuteOfDay: number;
  readonly t0Limits: { singleLimitFen: bigint; dailyQuotaFen: bigint };
  readonly bankTimeoutMs: number;
  readonly payoutLeaseMs: number;
  readonly walletMerchantId: string;
  readonly logger: Logger;
  readonly busEnv: Record<string, string | undefined>;
  /** Where the operator gauges (payouts, bills, reconciliation, outbox and consumer lag) are registered. */
  readonly meter?: Meter;
};

export async function startSettlementService(options: SettlementServiceOptions) {
  const { logger } = options;
  const pool = createPool({
    connectionString: options.databaseUrl,
    schema: options.schema,
    applicationName: 'settlement',
    poolSizeMax: options.poolSizeMax,
    statementTimeoutMs: DATABASE_STATEMENT_TIMEOUT_MS,
  });
  await runMigrations(pool, { schema: options.schema, directory: MIGRATIONS_DIRECTORY });
  const calendarData = await readCalendarData();
  let calendar: BusinessCalendar = await loadBusinessCalendar(pool, calendarData);
  const reloadCalendar = async () => {
    calendar = await loadBusinessCalendar(pool, calendarData);
  };
  const cipher = createAccountNumberCipher(Buffer.from(options.masterKeyHex, 'hex'));
  const merchants = new MerchantDirectoryClient(options.merchantGrpcUrl, PEER_GRPC_TIMEOUT_MS, options.t0Limits);
  const cards = new CardRegistryClient(options.cardRegistryGrpcUrl, PEER_GRPC_TIMEOUT_MS, cipher);
  const context: SettlementContext = {
    pool,
    calendar: () => calendar,
    cutoffMinuteOfDay: options.cutoffMinuteOfDay,
    merchants,
    cards,
    bank: new NetworkSimBankClient({
      baseUrl: options.networkSimHttpUrl,
      timeoutMs: options.bankTimeoutMs,
      revealAccountNumber: (sealed) => cipher.open(sealed),
      walletMerchantId: options.walletMerchantId,
    }),
    clock: { nowMs: () => Date.now() },
  };
  const networkFiles = new NetworkSimFilesClient(options.networkSimHttpUrl, NETWORK_FILE_TIMEOUT_MS);
  const bus = await createBusFromEnv(options.busEnv, { pool, schema: options.schema, clientId: 'settlement', logger });
  // settlement.events leave through the outbox (one relay across replicas); bus.close() stops it.
  bus.startRelay({ batchSizeMax: OUTBOX_RELAY_BATCH_SIZE_MAX, pollIntervalMs: OUTBOX_RELAY_POLL_INTERVAL_MS });
  const subscriptions = await subscribeToEvents(bus, context);
  if (options.meter !== undefined) {
    registerSettlementMetrics(options.meter, { pool, schema: options.schema, subscriptions, logger });
  }
  const grpc = await startGrpcServer({
    port: options.grpcPort,
    services: [
      {
        definition: SettlementServiceService,
        implementation: settlementGrpcService({
          context,
          networkFiles,
          reloadCalendar,
          logger,
        }),
      },
    ],
  });
  const jobs = startBackgroundJobs({
    context,
    logger,
    payoutWorker: { claimLeaseMs: options.payoutLeaseMs, batchSizeMax: PAYOUT_WORKER_BATCH_SIZE_MAX },
    t1RunMinuteOfDay: options.t1RunMinuteOfDay,
    reconciliationRunMinuteOfDay: options.reconciliationRunMinuteOfDay,
    networkFiles,
    reloadCalendar,
  });
  return {
    grpcPort: grpc.port,
    consumerLag: () => subscriptions[0]?.lag(),
    isReady: () => pingDatabase(pool),
    async stop(graceMs: number) {
      await grpc.shutdown(graceMs);
      await jobs.stop();
      for (const subscription of subscriptions) await subscription.stop();
      await bus.close();
      merchants.close();
      cards.close();
      await pool.end();
    },
  };
}

/** authorization.events move money, a batch per transaction; merchant and card-registry events refresh profiles and T0 suspensions. */
async function subscribeToEvents(bus: Bus, context: SettlementContext): Promise<Subscription[]> {
  return [
    await bus.subscribe({
      group: 'settlement',
      topics: [AUTHORIZATION_EVENTS_TOPIC],
      batchHandler: authorizationBatchHandler(context),
      retryCountMax: CONSUMER_RETRY_COUNT_MAX,
      batchSizeMax: EVENT_BATCH_SIZE_MAX,
      partitionWorkerCount: CONSUMER_PARTITION_WORKER_COUNT,
      batchLingerMs: CONSUMER_BATCH_LINGER_MS,
    }),
    await bus.subscribe({
      group: 'settlement-profiles',
      topics: [MERCHANT_EVENTS_TOPIC, CARD_REGISTRY_EVENTS_TOPIC],
      handler: async (event, client) => {
        if (event.topic === MERCHANT_EVENTS_TOPIC) return merchantEventHandler(context)(event, client);
        return cardRegistryEventHandler()(event, client);
      },
      retryCountMax: CONSUMER_RETRY_COUNT_MAX,
    }),
  ];
}
