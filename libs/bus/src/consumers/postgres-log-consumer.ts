import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '@acq/assert';
import { describeError, quoteIdentifier } from '@acq/db';
import type pg from 'pg';
import { BusError, BusErrorCode } from '../errors.ts';
import { type EventRow, eventFromRow } from '../event.ts';
import {
  CONSUMER_BATCH_BYTES_MAX,
  CONSUMER_PARTITION_LEASE_MS_MAX,
  CONSUMER_PARTITION_LEASE_MS_MIN,
  CONSUMER_RETRY_BACKOFF_MS_BASE,
  POSTGRES_LOG_PARTITION_COUNT,
} from '../limits.ts';
import { processEventBatch } from '../process-event-batch.ts';
import { eventLogChannel } from '../publishers/postgres-log-publisher.ts';
import { WakeSignal } from '../wake-signal.ts';
import type { ConsumerOptions, Subscription } from './subscription.ts';

export interface PostgresLogConsumerOptions extends ConsumerOptions {
  busSchema: string;
  partitionWorkerCount: number;
  partitionLeaseMs: number;
}

interface PartitionClaim {
  topic: string;
  partition: number;
  next_sequence: bigint;
}

/**
 * Consumes the Postgres event log. Each worker claims one partition with pending events (a short
 * lease picked FOR UPDATE SKIP LOCKED, so replicas and workers spread over partitions), processes a
 * batch through the inbox and stores the next offset in the same transaction as the handlers'
 * writes. One owner per partition at a time keeps per-key order.
 */
export async function startPostgresLogConsumer(options: PostgresLogConsumerOptions): Promise<Subscription> {
  assert(options.partitionWorkerCount >= 1, 'at least one partition worker');
  assert(
    options.partitionLeaseMs >= CONSUMER_PARTITION_LEASE_MS_MIN &&
      options.partitionLeaseMs <= CONSUMER_PARTITION_LEASE_MS_MAX,
    'partitionLeaseMs out of range',
  );
  const schema = quoteIdentifier(options.busSchema);
  // Existing positions are kept; a new group starts at sequence 0 or at the current head.
  await options.pool.query(
    `INSERT INTO ${schema}.consumer_offsets (group_name, topic, partition, next_sequence)
     SELECT $1, topics.topic, partitions.partition, CASE WHEN $4 THEN coalesce(head.next_sequence, 0) ELSE 0 END
     FROM unnest($2::text[]) AS topics(topic) CROSS JOIN generate_series(0, $3 - 1) AS partitions(partition)
       LEFT JOIN ${schema}.partition_heads AS head ON head.topic = topics.topic AND head.partition = partitions.partition
     ON CONFLICT DO NOTHING`,
    [options.group, options.topics, POSTGRES_LOG_PARTITION_COUNT, options.startFrom === 'latest'],
  );
  const shutdown = new AbortController();
  // One worker per notification: the one that finds work wakes the next (see runWorker).
  const wake = new WakeSignal({ wakes: 'one' });
  const listener = await options.pool.connect();
  listener.on('error', (error) => {
    // Polling still runs; only the low-latency wake-up is lost until the next start.
    options.logger.warn({ group: options.group, ...describeError(error) }, 'event log listener connection lost');
  });
  for (const topic of options.topics) await wake.listen(listener, eventLogChannel(options.busSchema, topic));
  const state = { completedCount: 0 };
  const workers = Array.from({ length: options.partitionWorkerCount }, () =>
    runWorker(options, wake, shutdown.signal, state),
  );
  return {
    get completedCount() {
      return state.completedCount;
    },
    lag: () => postgresLogLag(options),
    async stop() {
      shutdown.abort();
      await Promise.all(workers);
      listener.release(true);
    },
  };
}

async function runWorker(
  options: PostgresLogConsumerOptions,
  wake: WakeSignal,
  signal: AbortSignal,
  state: { completedCount: number },
): Promise<void> {
  const owner = randomUUID();
  let failureCount = 0;
  while (!signal.aborted) {
    try {
      const completed = await consumeOneBatch(options, owner);
      failureCount = 0;
      if (completed === undefined) {
        await wake.wait(options.pollIntervalMs, signal);
      } else {
        state.completedCount += completed;
        // A full batch means a backlog, likely in other partitions too: bring one more worker in.
        // Small batches (a few events a notification) need no help, and waking another worker for
        // them would cost one empty claim per batch.
        if (completed >= options.batchSizeMax) wake.notify();
      }
    } catch (error) {
      failureCount++;
      options.logger.warn({ group: options.group, failureCount, ...describeError(error) }, 'event log batch failed');
      await sleep(CONSUMER_RETRY_BACKOFF_MS_BASE * Math.min(failureCount, 50), undefined, { signal }).catch(
        () => undefined,
      );
    }
  }
}

/**
 * Claims a partition, processes one batch while renewing the claim, releases it. Returns undefined
 * when no partition has pending events.
 */
async function consumeOneBatch(options: PostgresLogConsumerOptions, owner: string): Promise<number | undefined> {
  const claim = await claimPartition(options, owner);
  if (claim === undefined) return undefined;
  let retryAfterMs: number | undefined;
  let completedCount = 0;
  const renewal = setInterval(
    () => {
      renewPartitionLease(options, owner, claim).catch((error: unknown) => {
        options.logger.warn(
          { group: options.group, topic: claim.topic, ...describeError(error) },
          'partition lease renewal failed',
        );
      });
    },
    Math.floor(options.partitionLeaseMs / 3),
  );
  try {
    const rows = await readPartitionBatch(options, claim);
    const sequences = rows.map((row) => row.sequence);
    const result = await processEventBatch(
      {
        ...options,
        commitPosition: (client, count) =>
          storeOffset(options, client, owner, claim, nextSequenceAfter(claim, sequences, count)),
      },
      rows.map(eventFromRow),
    );
    if (rows.length === 0) await skipPurgedRange(options, owner, claim);
    completedCount = result.completedCount;
    retryAfterMs = result.retryAfterMs;
  } finally {
    clearInterval(renewal);
    await releasePartition(options, owner, claim, retryAfterMs);
  }
  return completedCount;
}

/** The next events of the partition, bounded by count and payload bytes (the first always fits). */
async function readPartitionBatch(
  options: PostgresLogConsumerOptions,
  claim: PartitionClaim,
): Promise<(EventRow & { sequence: bigint })[]> {
  const log = `${quoteIdentifier(options.busSchema)}.event_log`;
  const result = await options.pool.query<EventRow & { sequence: bigint }>(
    `SELECT sequence, event_id, topic, event_key, event_type, payload, headers, occurred_at FROM (
       SELECT *, sum(octet_length(payload)) OVER (ORDER BY sequence) - octet_length(payload) AS bytes_before
       FROM (SELECT * FROM ${log} WHERE topic = $1 AND partition = $2 AND sequence >= $3 ORDER BY sequence LIMIT $4) AS oldest
     ) AS sized WHERE bytes_before < $5 ORDER BY sequence`,
    [claim.topic, claim.partition, claim.next_sequence, options.batchSizeMax, CONSUMER_BATCH_BYTES_MAX],
  );
  return result.rows;
}

async function renewPartitionLease(
  options: PostgresLogConsumerOptions,
  owner: string,
  claim: PartitionClaim,
): Promise<void> {
  await options.pool.query(
    `UPDATE ${quoteIdentifier(options.busSchema)}.consumer_offsets
     SET lease_expires_at = now() + make_interval(secs => $5::double precision / 1000)
     WHERE group_name = $1 AND topic = $2 AND partition = $3 AND lease_owner = $4`,
    [options.group, claim.topic, claim.partition, owner, options.partitionLeaseMs],
  );
}

function nextSequenceAfter(claim: PartitionClaim, sequences: readonly bigint[], completedCount: number): bigint {
  assert(completedCount >= 0 && completedCount <= sequences.length, 'completed count within the batch');
  if (completedCount === 0) return claim.next_sequence;
  const last = sequences[completedCount - 1];
  assert(last !== undefined && last >= claim.next_sequence, 'offset only moves forward');
  return last + 1n;
}

async function claimPartition(options: PostgresLogConsumerOptions, owner: string): Promise<PartitionClaim | undefined> {
  const schema = quoteIdentifier(options.busSchema);
  const result = await options.pool.query<PartitionClaim>(
    `UPDATE ${schema}.consumer_offsets AS offsets
     SET lease_owner = $3, lease_expires_at = now() + make_interval(secs => $4::double precision / 1000)
     FROM (SELECT candidate.group_name, candidate.topic, candidate.partition
           FROM ${schema}.consumer_offsets AS candidate
           JOIN ${schema}.partition_heads AS head USING (topic, partition)
           WHERE candidate.group_name = $1 AND candidate.topic = ANY($2::text[])
             AND head.next_sequence > candidate.next_sequence
             AND (candidate.lease_expires_at IS NULL OR candidate.lease_expires_at < now())
             AND (candidate.retry_not_before IS NULL OR candidate.retry_not_before <= now())
           ORDER BY candidate.updated_at LIMIT 1
           FOR UPDATE OF candidate SKIP LOCKED) AS claimed
     WHERE offsets.group_name = claimed.group_name AND offsets.topic = claimed.topic AND offsets.partition = claimed.partition
     RETURNING offsets.topic, offsets.partition, offsets.next_sequence`,
    [options.group, options.topics, owner, options.partitionLeaseMs],
  );
  return result.rows[0];
}

/** Stores the offset in the handlers' transaction, only while this worker still owns the lease. */
async function storeOffset(
  options: PostgresLogConsumerOptions,
  client: pg.PoolClient,
  owner: string,
  claim: PartitionClaim,
  nextSequence: bigint,
): Promise<void> {
  const updated = await client.query(
    `UPDATE ${quoteIdentifier(options.busSchema)}.consumer_offsets SET next_sequence = $5, updated_at = now()
     WHERE group_name = $1 AND topic = $2 AND partition = $3 AND lease_owner = $4 AND next_sequence = $6
       AND lease_expires_at > now()`,
    [options.group, claim.topic, claim.partition, owner, nextSequence, claim.next_sequence],
  );
  if (updated.rowCount !== 1) {
    throw new BusError(BusErrorCode.handlerFailed, `partition lease lost for ${claim.topic}/${claim.partition}`);
  }
}

/** Events below the head but absent were purged by retention: move the offset to the head. */
async function skipPurgedRange(
  options: PostgresLogConsumerOptions,
  owner: string,
  claim: PartitionClaim,
): Promise<void> {
  const schema = quoteIdentifier(options.busSchema);
  await options.pool.query(
    `UPDATE ${schema}.consumer_offsets AS offsets SET next_sequence = head.next_sequence
     FROM ${schema}.partition_heads AS head
     WHERE offsets.group_name = $1 AND offsets.topic = $2 AND offsets.partition = $3 AND offsets.lease_owner = $4
       AND head.topic = offsets.topic AND head.partition = offsets.partition AND head.next_sequence > offsets.next_sequence`,
    [options.group, claim.topic, claim.partition, owner],
  );
}

async function releasePartition(
  options: PostgresLogConsumerOptions,
  owner: string,
  claim: PartitionClaim,
  retryAfterMs: number | undefined,
): Promise<void> {
  await options.pool.query(
    `UPDATE ${quoteIdentifier(options.busSchema)}.consumer_offsets
     SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
         retry_not_before = CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(secs => $5::double precision / 1000) END
     WHERE group_name = $1 AND topic = $2 AND partition = $3 AND lease_owner = $4`,
    [options.group, claim.topic, claim.partition, owner, retryAfterMs ?? null],
  );
}

async function postgresLogLag(options: PostgresLogConsumerOptions): Promise<number> {
  const schema = quoteIdentifier(options.busSchema);
  const result = await options.pool.query<{ lag: bigint }>(
    `SELECT coalesce(sum(head.next_sequence - offsets.next_sequence), 0)::bigint AS lag
     FROM ${schema}.consumer_offsets AS offsets JOIN ${schema}.partition_heads AS head USING (topic, partition)
     WHERE offsets.group_name = $1 AND offsets.topic = ANY($2::text[])`,
    [options.group, options.topics],
  );
  const lag = result.rows[0]?.lag ?? 0n;
  assert(lag >= 0n, 'offsets never pass the head');
  return Number(lag);
}
