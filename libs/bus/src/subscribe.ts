import { assert } from '@acq/assert';
import { type Logger, stderrLogger } from '@acq/db';
import type pg from 'pg';
import { startKafkaConsumer } from './consumers/kafka-consumer.ts';
import { startPostgresLogConsumer } from './consumers/postgres-log-consumer.ts';
import type { Subscription } from './consumers/subscription.ts';
import { DEFAULT_BUS_SCHEMA } from './bus-tables.ts';
import { startInboxRetention } from './inbox-retention.ts';
import type { EventHandlers } from './handler-span.ts';
import {
  CONSUMER_BATCH_SIZE_MAX,
  CONSUMER_PARTITION_LEASE_MS,
  CONSUMER_PARTITION_WORKER_COUNT_MAX,
  CONSUMER_POLL_INTERVAL_MS_MAX,
  CONSUMER_RETRY_COUNT_MAX,
} from './limits.ts';

export type BusBackend = 'kafka' | 'postgres';

export interface SubscribeOptions extends EventHandlers {
  /** The consumer's own pool and schema (its inbox and dead_letter tables live there). */
  pool: pg.Pool;
  schema: string;
  group: string;
  topics: string[];
  backend: BusBackend;
  /** Required for the Kafka backend. */
  brokers?: string[];
  /** Shared Postgres-log schema; `bus` unless a test isolates its own. */
  busSchema?: string;
  // handler or batchHandler (exactly one) runs inside the consumer's transaction: its writes
  // commit together with the inbox marks.
  retryCountMax: number;
  logger?: Logger;
  batchSizeMax?: number;
  pollIntervalMs?: number;
  /** Postgres log: partitions this replica processes concurrently. */
  partitionWorkerCount?: number;
  /**
   * Postgres log: without a backlog, pause this long before a round so one round serves the events
   * of that time (each round costs a claim, a read, the inbox and a commit). Adds up to this much
   * latency; for consumers off the terminal's answer path. Default 0.
   */
  batchLingerMs?: number;
  /** Postgres log: how long a crashed replica's partitions stay claimed (CONSUMER_PARTITION_LEASE_MS). */
  partitionLeaseMs?: number;
  clientId?: string;
  /**
   * Where a new group begins. `earliest` (default) replays every retained event, so a consumer
   * deployed after a producer still sees what it published; `latest` suits per-replica cache
   * invalidation groups that only care about changes from now on.
   */
  startFrom?: 'earliest' | 'latest';
}

const DEFAULT_CONSUMER_BATCH_SIZE = 200;
const DEFAULT_CONSUMER_POLL_INTERVAL_MS = 1_000;
const DEFAULT_PARTITION_WORKER_COUNT = 2;

/**
 * Subscribes a consumer group to topics with idempotent, per-key ordered, at-least-once delivery.
 * Several replicas with the same group share the partitions. Call stop() at shutdown.
 */
export async function subscribe(options: SubscribeOptions): Promise<Subscription> {
  assert(options.topics.length > 0, 'subscribe to at least one topic');
  assert(
    (options.handler === undefined) !== (options.batchHandler === undefined),
    'exactly one of handler and batchHandler',
  );
  assert(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/.test(options.group), 'group is a plain name');
  assert(options.retryCountMax >= 1 && options.retryCountMax <= CONSUMER_RETRY_COUNT_MAX, 'retryCountMax out of range');
  const batchSizeMax = options.batchSizeMax ?? DEFAULT_CONSUMER_BATCH_SIZE;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_CONSUMER_POLL_INTERVAL_MS;
  const partitionWorkerCount = options.partitionWorkerCount ?? DEFAULT_PARTITION_WORKER_COUNT;
  assert(batchSizeMax >= 1 && batchSizeMax <= CONSUMER_BATCH_SIZE_MAX, 'batchSizeMax out of range');
  assert(pollIntervalMs >= 1 && pollIntervalMs <= CONSUMER_POLL_INTERVAL_MS_MAX, 'pollIntervalMs out of range');
  assert(
    partitionWorkerCount >= 1 && partitionWorkerCount <= CONSUMER_PARTITION_WORKER_COUNT_MAX,
    'partitionWorkerCount out of range',
  );
  const common = {
    pool: options.pool,
    schema: options.schema,
    group: options.group,
    topics: options.topics,
    ...handlersOf(options),
    retryCountMax: options.retryCountMax,
    batchSizeMax,
    pollIntervalMs,
    startFrom: options.startFrom ?? 'earliest',
    logger: options.logger ?? stderrLogger,
  };
  const subscription =
    options.backend === 'postgres'
      ? await startPostgresLogConsumer({
          ...common,
          busSchema: options.busSchema ?? DEFAULT_BUS_SCHEMA,
          partitionWorkerCount,
          partitionLeaseMs: options.partitionLeaseMs ?? CONSUMER_PARTITION_LEASE_MS,
          batchLingerMs: options.batchLingerMs ?? 0,
        })
      : await startKafkaConsumer({
          ...common,
          brokers: requireBrokers(options.brokers),
          clientId: options.clientId ?? `${options.group}-consumer`,
        });
  const retention = startInboxRetention(options.pool, options.schema, common.logger);
  let stopped: Promise<void> | undefined;
  return {
    get completedCount() {
      return subscription.completedCount;
    },
    lag: () => subscription.lag(),
    stop() {
      // Idempotent: shutdown paths and test clean-up may both call it.
      stopped ??= (async () => {
        retention.stop();
        await subscription.stop();
      })();
      return stopped;
    },
  };
}

/** Copies the one handler given (exactOptionalPropertyTypes forbids passing the other as undefined). */
function handlersOf(options: EventHandlers): EventHandlers {
  if (options.batchHandler !== undefined) return { batchHandler: options.batchHandler };
  assert(options.handler !== undefined, 'a consumer has a handler or a batch handler');
  return { handler: options.handler };
}

function requireBrokers(brokers: string[] | undefined): string[] {
  assert(brokers !== undefined && brokers.length > 0, 'the Kafka backend needs brokers');
  return brokers;
}
