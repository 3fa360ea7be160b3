/**
 * The Redis connection for counters: auto-pipelining so concurrent Assess scripts share one round
 * trip, an explicit command timeout, and no offline queue so a down Redis fails fast and the
 * failure policy answers instead of requests piling up.
 */
import { assert } from '@acq/assert';
import { Redis } from 'ioredis';
import { PATTERN_REDIS_COMMAND_TIMEOUT_MS, REDIS_COMMAND_TIMEOUT_MS_MAX } from '../limits.ts';

export interface RiskRedisOptions {
  url: string;
  commandTimeoutMs: number;
  connectionName: string;
}

/** Reconnect backoff: 50 ms growing to 2 s, forever (the service stays up while Redis restarts). */
const RECONNECT_DELAY_MS_MIN = 50;
const RECONNECT_DELAY_MS_MAX = 2_000;

export function createRiskRedis(options: RiskRedisOptions): Redis {
  assert(options.commandTimeoutMs > 0, 'redis commands need a timeout');
  assert(
    options.commandTimeoutMs <= Math.max(REDIS_COMMAND_TIMEOUT_MS_MAX, PATTERN_REDIS_COMMAND_TIMEOUT_MS),
    'config may lower the redis timeout, not raise it',
  );
  return new Redis(options.url, {
    enableAutoPipelining: true,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectionName: options.connectionName,
    lazyConnect: false,
    retryStrategy: (attempt: number) => Math.min(RECONNECT_DELAY_MS_MIN * attempt, RECONNECT_DELAY_MS_MAX),
  });
}

/** Resolves once the connection is ready (the offline queue is off, so callers must wait for it). */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  assert(timeoutMs > 0, 'waiting needs a bound');
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(Object.assign(new Error(`redis not ready within ${timeoutMs} ms`), { code: 'REDIS_NOT_READY' }));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
