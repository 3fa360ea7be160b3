import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '@acq/assert';
import {
  type AdvisoryLease,
  describeError,
  type Logger,
  quoteIdentifier,
  stderrLogger,
  withAdvisoryLease,
} from '@acq/db';
import type pg from 'pg';
import { type EventRow, eventFromRow, mayBeCutByByteBound } from './event.ts';
import {
  OUTBOX_PUBLISHED_RETENTION_MS,
  PURGE_BATCH_SIZE_MAX,
  PURGE_INTERVAL_MS,
  RELAY_BATCH_BYTES_MAX,
  RELAY_BATCH_SIZE_MAX,
  RELAY_LINGER_MS_MAX,
  RELAY_POLL_INTERVAL_MS_MAX,
  RELAY_PUBLISH_RETRY_BACKOFF_MS_BASE,
  RELAY_PUBLISH_RETRY_BACKOFF_MS_MAX,
} from './limits.ts';
import type { EventPublisher } from './publishers/publisher.ts';
import { WakeSignal } from './wake-signal.ts';
import { outboxChannel, registerLeasedRelayWake, registerOutboxNotifier } from './outbox-notifier.ts';

export interface OutboxRelayOptions {
  pool: pg.Pool;
  /** The service schema whose outbox this relay drains. */
  schema: string;
  publisher: EventPublisher;
  batchSizeMax: number;
  pollIntervalMs: number;
  /**
   * After a wake-up without a backlog, wait this long before reading, so one batch carries the
   * events of that time. Adds up to this much to the event's way to consumers; 0 (default) for none.
   */
  lingerMs?: number;
  logger?: Logger;
}

export interface OutboxBacklog {
  pendingCount: number;
  /** Age of the oldest unpublished event; 0 when the outbox is drained. */
  oldestPendingAgeMs: number;
}

export interface OutboxRelay {
  /** Events this replica published since start (counts re-publishes after a crash). */
  readonly publishedCount: number;
  backlog(): Promise<OutboxBacklog>;
  stop(): Promise<void>;
}

/**
 * Drains `<schema>.outbox` to the publisher, in position order, at least once. One relay per
 * schema runs at a time (advisory lease); the other replicas wait to take over. A crash between
 * publish and marking rows published re-publishes those rows: consumers deduplicate by event id.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  assert(options.batchSizeMax >= 1 && options.batchSizeMax <= RELAY_BATCH_SIZE_MAX, 'batchSizeMax out of range');
  assert(
    options.pollIntervalMs >= 1 && options.pollIntervalMs <= RELAY_POLL_INTERVAL_MS_MAX,
    'pollIntervalMs out of range',
  );
  const lingerMs = options.lingerMs ?? 0;
  assert(lingerMs >= 0 && lingerMs <= RELAY_LINGER_MS_MAX, 'lingerMs out of range');
  const logger = options.logger ?? stderrLogger;
  const shutdown = new AbortController();
  const state = { publishedCount: 0 };
  const unregisterNotifier = registerOutboxNotifier(options.schema, options.pool);
  const running = withAdvisoryLease(
    options.pool,
    `outbox-relay:${options.schema}`,
    (lease, signal) => relayWhileLeased({ ...options, lingerMs }, lease, signal, state, logger),
    { signal: shutdown.signal, logger },
  );
  return {
    get publishedCount() {
      return state.publishedCount;
    },
    backlog: () => outboxBacklog(options.pool, options.schema),
    async stop() {
      shutdown.abort();
      await running;
      unregisterNotifier();
    },
  };
}

/** The relay's options with their defaults applied. */
type RelaySettings = OutboxRelayOptions & { lingerMs: number };

async function relayWhileLeased(
  options: RelaySettings,
  lease: AdvisoryLease,
  signal: AbortSignal,
  state: { publishedCount: number },
  logger: Logger,
): Promise<void> {
  const wake = new WakeSignal();
  await wake.listen(lease.client, outboxChannel(options.schema));
  const unregisterLeasedWake = registerLeasedRelayWake(options.schema, wake.notify);
  try {
    await relayUntilAborted(options, wake, signal, state, logger);
  } finally {
    unregisterLeasedWake();
  }
}

async function relayUntilAborted(
  options: RelaySettings,
  wake: WakeSignal,
  signal: AbortSignal,
  state: { publishedCount: number },
  logger: Logger,
): Promise<void> {
  logger.info({ schema: options.schema }, 'outbox relay started');
  let failureCount = 0;
  let lastPurgeMs = 0;
  while (!signal.aborted) {
    let batch: RelayBatchResult = { publishedCount: 0, full: false };
    try {
      batch = await relayOneBatch(options.pool, options.schema, options.publisher, options.batchSizeMax);
      state.publishedCount += batch.publishedCount;
      failureCount = 0;
      if (Date.now() - lastPurgeMs >= PURGE_INTERVAL_MS) {
        lastPurgeMs = Date.now();
        await purgePublished(options.pool, options.schema, options.publisher);
      }
    } catch (error) {
      failureCount++;
      const backoffMs = Math.min(
        RELAY_PUBLISH_RETRY_BACKOFF_MS_MAX,
        RELAY_PUBLISH_RETRY_BACKOFF_MS_BASE * 2 ** failureCount,
      );
      logger.warn(
        { schema: options.schema, failureCount, backoffMs, ...describeError(error) },
        'outbox relay batch failed',
      );
      await sleep(backoffMs, undefined, { signal }).catch(() => undefined);
      continue;
    }
    // A full batch (by count, or possibly cut by its byte bound) means more is waiting: loop at
    // once. Otherwise sleep until NOTIFY (one that came during this batch ends the wait at once)
    // or the poll interval, instead of reading an outbox that is most likely empty.
    if (!batch.full) {
      await wake.wait(options.pollIntervalMs, signal);
      if (options.lingerMs > 0) await sleep(options.lingerMs, undefined, { signal }).catch(() => undefined);
    }
  }
}

export interface RelayBatchResult {
  publishedCount: number;
  /** The batch hit its count bound or may have been cut by its byte bound: more rows may be waiting. */
  full: boolean;
}

/** Reads the oldest unpublished rows, publishes them as one batch, then marks them published. */
export async function relayOneBatch(
  pool: pg.Pool,
  schema: string,
  publisher: EventPublisher,
  batchSizeMax: number,
): Promise<RelayBatchResult> {
  const table = `${quoteIdentifier(schema)}.outbox`;
  // Bounded by count and by payload bytes; the first row always qualifies, so a batch is never empty.
  const pending = await pool.query<EventRow & { position: bigint }>(
    `SELECT position, event_id, topic, event_key, event_type, payload, headers, occurred_at FROM (
       SELECT *, sum(octet_length(payload)) OVER (ORDER BY position) - octet_length(payload) AS bytes_before
       FROM (SELECT * FROM ${table} WHERE published_at IS NULL ORDER BY position LIMIT $1) AS oldest
     ) AS sized WHERE bytes_before < $2 ORDER BY position`,
    [batchSizeMax, RELAY_BATCH_BYTES_MAX],
  );
  if (pending.rows.length === 0) return { publishedCount: 0, full: false };
  const events = pending.rows.map(eventFromRow);
  const positions = pending.rows.map((row) => row.position);
  let markedCount: number;
  if (publisher.publishFromOutbox !== undefined) {
    markedCount = await publisher.publishFromOutbox(events, { schema, positions });
  } else {
    await publisher.publish(events);
    const marked = await pool.query(
      `UPDATE ${table} SET published_at = now() WHERE position = ANY($1::bigint[]) AND published_at IS NULL`,
      [positions],
    );
    markedCount = marked.rowCount ?? 0;
  }
  // Fewer rows only if a previous lease holder marked some concurrently; never more.
  assert(markedCount <= positions.length, 'marked at most the rows read');
  return {
    publishedCount: pending.rows.length,
    full: pending.rows.length >= batchSizeMax || mayBeCutByByteBound(pending.rows, RELAY_BATCH_BYTES_MAX),
  };
}

async function purgePublished(pool: pg.Pool, schema: string, publisher: EventPublisher): Promise<void> {
  const table = `${quoteIdentifier(schema)}.outbox`;
  await pool.query(
    `DELETE FROM ${table} WHERE position IN (
       SELECT position FROM ${table}
       WHERE published_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT $2)`,
    [OUTBOX_PUBLISHED_RETENTION_MS, PURGE_BATCH_SIZE_MAX],
  );
  await publisher.purgeExpired();
}

export async function outboxBacklog(pool: pg.Pool, schema: string): Promise<OutboxBacklog> {
  // bigint: an int4 of milliseconds overflows after 24.8 days (occurred_at is the producer's business time).
  const result = await pool.query<{ pending_count: number; oldest_age_ms: bigint }>(
    `SELECT count(*)::int AS pending_count,
            coalesce(floor(extract(epoch FROM now() - min(occurred_at)) * 1000), 0)::bigint AS oldest_age_ms
     FROM ${quoteIdentifier(schema)}.outbox WHERE published_at IS NULL`,
  );
  const row = result.rows[0];
  assert(row !== undefined, 'aggregate returns one row');
  return { pendingCount: row.pending_count, oldestPendingAgeMs: Math.max(0, Number(row.oldest_age_ms)) };
}
