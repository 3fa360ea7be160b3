/**
 * Assembles the risk service: Redis counters, Postgres cases and blacklists, the pattern monitor,
 * the reservation sweeper, the cache refresher and the gRPC server. main.ts runs it inside the
 * service-kit shell; integration tests start it in-process with their own schema and key prefix.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Bus, createBusFromEnv } from '@acq/bus';
import { createPool, pingDatabase, runMigrations } from '@acq/db';
import { startGrpcServer } from '@acq/grpc';
import { RiskServiceService } from '@acq/proto/risk/v1/risk.ts';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { RiskPolicy } from './domain/policy.ts';
import { AUTHORIZATION_EVENTS_TOPIC, applyAuthorizationEvents } from './flows/authorization-events.ts';
import { RiskMonitor } from './flows/risk-monitor.ts';
import {
  BLACKLIST_REFRESH_INTERVAL_MS,
  EVENT_BATCH_LINGER_MS,
  EVENT_RETRY_COUNT_MAX,
  OUTBOX_RELAY_BATCH_SIZE_MAX,
  OUTBOX_RELAY_POLL_INTERVAL_MS,
  PATTERN_REDIS_COMMAND_TIMEOUT_MS,
  PG_POOL_SIZE_MAX,
  PG_STATEMENT_TIMEOUT_MS,
  SWEEP_INTERVAL_MS,
} from './limits.ts';
import { PatternWindows } from './store/pattern-windows.ts';
import { createRiskRedis, waitForRedis } from './store/redis-client.ts';
import { RedisCounters } from './store/redis-counters.ts';
import { RiskCache } from './store/risk-cache.ts';
import { RiskStore } from './store/risk-store.ts';
import { createRiskService } from './transport/grpc-service.ts';

const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../migrations/', import.meta.url));
const REDIS_READY_TIMEOUT_MS = 10_000;

export interface RiskAppOptions {
  databaseUrl: string;
  schema: string;
  redisUrl: string;
  redisKeyPrefix: string;
  redisCommandTimeoutMs: number;
  grpcPort: number;
  policy: RiskPolicy;
  /** KAFKA_BROKERS decides the bus backend (unset: the durable Postgres log in busSchema). */
  busEnv: Record<string, string | undefined>;
  busSchema?: string;
  logger: {
    warn(object: object, message: string): void;
    error(object: object, message: string): void;
  };
  /** Records each Assess's processing time, decision and fired rules. */
  observeAssess(elapsedMs: number, decision: string, firedRules: readonly string[]): void;
  nowMs?: () => number;
}

export interface RiskApp {
  grpcPort: number;
  monitor: RiskMonitor;
  cache: RiskCache;
  counters: RedisCounters;
  readiness: { name: string; check(): Promise<boolean> }[];
  stop(graceMs: number): Promise<void>;
}

async function openDatabase(options: RiskAppOptions): Promise<{ pool: pg.Pool; bus: Bus }> {
  const pool = createPool({
    connectionString: options.databaseUrl,
    schema: options.schema,
    applicationName: 'risk',
    poolSizeMax: PG_POOL_SIZE_MAX,
    statementTimeoutMs: PG_STATEMENT_TIMEOUT_MS,
  });
  await runMigrations(pool, { schema: options.schema, directory: MIGRATIONS_DIRECTORY });
  const bus = await createBusFromEnv(options.busEnv, {
    pool,
    schema: options.schema,
    clientId: 'risk',
    ...(options.busSchema === undefined ? {} : { busSchema: options.busSchema }),
  });
  bus.startRelay({ batchSizeMax: OUTBOX_RELAY_BATCH_SIZE_MAX, pollIntervalMs: OUTBOX_RELAY_POLL_INTERVAL_MS });
  return { pool, bus };
}

async function connectRedis(options: RiskAppOptions, connectionName: string, commandTimeoutMs: number): Promise<Redis> {
  const redis = createRiskRedis({ url: options.redisUrl, commandTimeoutMs, connectionName });
  redis.on('error', (error: Error) => options.logger.warn({ err: error, connectionName }, 'redis connection error'));
  await waitForRedis(redis, REDIS_READY_TIMEOUT_MS);
  return redis;
}

function startTimers(work: {
  cache: RiskCache;
  counters: RedisCounters;
  nowMs: () => number;
  onError: ErrorSink;
}): NodeJS.Timeout[] {
  return [
    setInterval(() => {
      work.cache.refresh().catch((error: unknown) => work.onError('cache_refresh', error));
    }, BLACKLIST_REFRESH_INTERVAL_MS),
    setInterval(() => {
      work.counters.sweepExpired(work.nowMs()).catch((error: unknown) => work.onError('reservation_sweep', error));
    }, SWEEP_INTERVAL_MS),
  ];
}

type ErrorSink = (operation: string, error: unknown) => void;

export async function startRiskApp(options: RiskAppOptions): Promise<RiskApp> {
  const { pool, bus } = await openDatabase(options);
  const redis = await connectRedis(options, 'risk', options.redisCommandTimeoutMs);
  // The monitor gets its own connection so its scripts never queue ahead of Assess on one socket.
  const patternRedis = await connectRedis(options, 'risk-patterns', PATTERN_REDIS_COMMAND_TIMEOUT_MS);
  const counters = new RedisCounters(redis, options.redisKeyPrefix);
  const store = new RiskStore(pool);
  const cache = new RiskCache(store);
  await cache.refresh();
  const onError: ErrorSink = (operation, error) =>
    options.logger.error({ err: error, operation }, 'risk background work failed');
  const monitor = new RiskMonitor({
    policy: options.policy,
    windows: new PatternWindows(patternRedis, options.redisKeyPrefix),
    counters: new RedisCounters(patternRedis, options.redisKeyPrefix),
    store,
    onError,
  });
  const nowMs = options.nowMs ?? Date.now;
  const service = createRiskService({
    assess: {
      policy: options.policy,
      counters,
      blacklist: cache,
      isT0Suspended: (merchantId) => cache.t0Suspension(merchantId) !== undefined,
      record: (input, firings) => monitor.record(input, firings),
      observe: (observation) => monitor.observe(observation),
      newReservationId: () => `rsv_${randomUUID()}`,
      onBackgroundError: onError,
      nowMs,
    },
    operator: { store, cache, counters },
    cache,
    observeAssess: options.observeAssess,
  });
  const timers = startTimers({ cache, counters, nowMs, onError });
  await bus.subscribe({
    group: 'risk',
    topics: [AUTHORIZATION_EVENTS_TOPIC],
    retryCountMax: EVENT_RETRY_COUNT_MAX,
    batchLingerMs: EVENT_BATCH_LINGER_MS,
    batchHandler: async (events) => {
      await applyAuthorizationEvents(
        counters,
        events.map((event) => event.payload),
      );
    },
  });
  const server = await startGrpcServer({
    port: options.grpcPort,
    services: [{ definition: RiskServiceService, implementation: service }],
  });
  return {
    grpcPort: server.port,
    monitor,
    cache,
    counters,
    readiness: [
      { name: 'postgres', check: () => pingDatabase(pool).then(() => true) },
      { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
      { name: 'cache', check: async () => cache.loaded },
    ],
    async stop(graceMs) {
      for (const timer of timers) clearInterval(timer);
      await server.shutdown(graceMs);
      await monitor.idle();
      await bus.close();
      redis.disconnect();
      patternRedis.disconnect();
      await pool.end();
    },
  };
}
