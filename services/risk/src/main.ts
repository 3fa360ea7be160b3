/**
 * Risk service process: Redis counters, Postgres cases and blacklists, the pattern monitor, the
 * reservation sweeper, the cache refresher and the gRPC server, inside the service-kit shell.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ensureBusTables } from '@acq/bus';
import { createPool, pingDatabase, runMigrations } from '@acq/db';
import { startGrpcServer } from '@acq/grpc';
import { RiskServiceService } from '@acq/proto/risk/v1/risk.ts';
import { runService } from '@acq/service-kit';
import { policyFromConfig, policySchema, riskConfigSchema } from './config.ts';
import { RiskMonitor } from './flows/risk-monitor.ts';
import {
  BLACKLIST_REFRESH_INTERVAL_MS,
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

await runService({
  name: 'risk',
  configSchema: { ...riskConfigSchema, ...policySchema() },
  opsPortVariable: 'RISK_OPS_PORT',
  async start({ config, logger, meter }) {
    const policy = policyFromConfig(config as unknown as Record<string, unknown>);
    const schema = config.RISK_DATABASE_SCHEMA;
    const pool = createPool({
      connectionString: config.DATABASE_URL,
      schema,
      applicationName: 'risk',
      poolSizeMax: PG_POOL_SIZE_MAX,
      statementTimeoutMs: PG_STATEMENT_TIMEOUT_MS,
    });
    await runMigrations(pool, { schema, directory: MIGRATIONS_DIRECTORY });
    await ensureBusTables(pool, schema);
    const redis = createRiskRedis({
      url: config.REDIS_URL,
      commandTimeoutMs: config.RISK_REDIS_COMMAND_TIMEOUT_MS,
      connectionName: 'risk',
    });
    redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
    await waitForRedis(redis, REDIS_READY_TIMEOUT_MS);
    const counters = new RedisCounters(redis, config.RISK_REDIS_KEY_PREFIX);
    const store = new RiskStore(pool);
    const cache = new RiskCache(store);
    await cache.refresh();
    const onError = (operation: string, error: unknown): void =>
      logger.error({ err: error, operation }, 'risk background work failed');
    const monitor = new RiskMonitor({
      policy,
      windows: new PatternWindows(redis, config.RISK_REDIS_KEY_PREFIX),
      counters,
      store,
      onError,
    });
    const assessDuration = meter.createHistogram('risk_assess_duration_ms', {
      unit: 'ms',
      description: 'Assess processing time',
    });
    const service = createRiskService({
      assess: {
        policy,
        counters,
        blacklist: cache,
        isT0Suspended: (merchantId) => cache.t0Suspension(merchantId) !== undefined,
        record: (input, firings) => monitor.record(input, firings),
        observe: (observation) => monitor.observe(observation),
        newReservationId: () => `rsv_${randomUUID()}`,
        onBackgroundError: onError,
        nowMs: Date.now,
      },
      operator: { store, cache, counters },
      cache,
      observeAssess: (elapsedMs, decision) => assessDuration.record(elapsedMs, { decision }),
    });
    const timers = [
      setInterval(() => {
        cache.refresh().catch((error: unknown) => onError('cache_refresh', error));
      }, BLACKLIST_REFRESH_INTERVAL_MS),
      setInterval(() => {
        counters.sweepExpired(Date.now()).catch((error: unknown) => onError('reservation_sweep', error));
      }, SWEEP_INTERVAL_MS),
    ];
    const server = await startGrpcServer({
      port: config.RISK_GRPC_PORT,
      services: [{ definition: RiskServiceService, implementation: service }],
    });
    logger.info({ grpcPort: server.port, droppedPatternWork: monitor.droppedCount }, 'risk listening');
    return {
      readiness: [
        { name: 'postgres', check: () => pingDatabase(pool).then(() => true) },
        { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
        { name: 'cache', check: async () => cache.loaded },
      ],
      async stop() {
        for (const timer of timers) clearInterval(timer);
        await server.shutdown(config.SHUTDOWN_GRACE_MS / 2);
        await monitor.idle();
        redis.disconnect();
        await pool.end();
      },
    };
  },
});
