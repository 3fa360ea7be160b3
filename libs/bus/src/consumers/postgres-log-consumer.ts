import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '@acq/assert';
import { afterCommit, describeError, quoteIdentifier } from '@acq/db';
import type pg from 'pg';
import { BusError, BusErrorCode } from '../errors.ts';
import { type EventRow, eventFromRow, mayBeCutByByteBound } from '../event.ts';
import {
  CONSUMER_BATCH_BYTES_MAX,
  CONSUMER_BATCH_LINGER_MS_MAX,
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
  /** Pause before a round when there is no backlog, so one round serves the events of that time. */
  batchLingerMs: number;
}

interface PartitionClaim {
  topic: string;
  partition: number;
  next_sequence: bigint;
}

type LogRow = EventRow & { sequence: bigint; partition: number };

interface RoundResult {
  completedCount: number;
  /**
   * Some claimed partition filled its share of the batch, or the byte bound may have cut it: a
   * backlog, likely in more partitions.
   */
  backlog: boolean;
  /** Events were left unprocessed without a retry delay (a crash suspect ran alone): go on at once. */
  resumeAtOnce: boolean;
}

/**
 * Consumes the Postgres event log in rounds. A round claims partitions with pending events (short
 * leases picked FOR UPDATE SKIP LOCKED, so replicas and workers spread over partitions), reads their
 * next events in one statement, processes them as one batch through the inbox and stores the new
 * offsets (and, when the round finished, gives the leases back) in the same transaction as the
 * handlers' writes. One owner per partition at a time keeps per-key order. At low rates a round takes
 * every pending partition, so the fixed cost of a round (claim, read, inbox, commit) is paid once
 * for all of them; under a backlog each worker takes its share, so the workers run in parallel.
 */
export async function startPostgresLogConsumer(options: PostgresLogConsumerOptions): Promise<Subscription> {
  assert(options.partitionWorkerCount >= 1, 'at least one partition worker');
  assert(
    options.partitionLeaseMs >= CONSUMER_PARTITION_LEASE_MS_MIN &&
      options.partitionLeaseMs <= CONSUMER_PARTITION_LEASE_MS_MAX,
    'partitionLeaseMs out of range',
  );
  assert(
    options.batchLingerMs >= 0 && options.batchLingerMs <= CONSUMER_BATCH_LINGER_MS_MAX,
    'batchLingerMs out of range',
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
  // One worker per notification: the one that finds a backlog wakes the next (see runWorker).
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
  const partitionCountAll = POSTGRES_LOG_PARTITION_COUNT * options.topics.length;
  const partitionCountFairShare = Math.ceil(partitionCountAll / options.partitionWorkerCount);
  let backlog = false;
  let resumeAtOnce = false;
  let failureCount = 0;
  while (!signal.aborted) {
    try {
      // Without a backlog, let events gather for a moment: one round then serves several of them.
      if (!backlog && !resumeAtOnce && options.batchLingerMs > 0) {
        // This worker's round will cover what is published meanwhile: no need to wake another.
        const release = wake.hold();
        try {
          await sleep(options.batchLingerMs, undefined, { signal });
        } finally {
          release();
        }
      }
      const generationAtClaim = wake.generation;
      const round = await consumeOneRound(options, owner, backlog ? partitionCountFairShare : partitionCountAll);
      failureCount = 0;
      backlog = round?.backlog ?? false;
      resumeAtOnce = round?.resumeAtOnce ?? false;
      if (round !== undefined) state.completedCount += round.completedCount;
      // A backlog brings one more worker in. Without one, go round again only when events are known
      // to be left or something was published since this round's claim (its wake-up may have gone
      // to a worker that found the partition still leased by this one); otherwise wait for the next
      // notification.
      if (backlog) wake.notify();
      else if (!resumeAtOnce && wake.generation === generationAtClaim) await wake.wait(options.pollIntervalMs, signal);
    } catch (error) {
      if (signal.aborted) break;
      backlog = false;
      resumeAtOnce = false;
      failureCount++;
      options.logger.warn({ group: options.group, failureCount, ...describeError(error) }, 'event log batch failed');
      await sleep(CONSUMER_RETRY_BACKOFF_MS_BASE * Math.min(failureCount, 50), undefined, { signal }).catch(
        () => undefined,
      );
    }
  }
}

/**
 * Claims up to `partitionLimit` partitions with pending events, processes their next events as one
 * batch while renewing the claims, and releases them. Returns undefined when nothing was pending.
 */
async function consumeOneRound(
  options: PostgresLogConsumerOptions,
  owner: string,
  partitionLimit: number,
): Promise<RoundResult | undefined> {
  const claims = await claimPartitions(options, owner, partitionLimit);
  if (claims.length === 0) return undefined;
  const renewal = setInterval(
    () => {
      renewPartitionLeases(options, owner, claims).catch((error: unknown) => {
        options.logger.warn({ group: options.group, ...describeError(error) }, 'partition lease renewal failed');
      });
    },
    Math.floor(options.partitionLeaseMs / 3),
  );
  let released = false;
  let rows: LogRow[] = [];
  let retryAfterMs: number | undefined;
  let completedCount = 0;
  try {
    const perPartitionLimit = Math.max(1, Math.floor(options.batchSizeMax / claims.length));
    rows = await readRoundBatch(options, claims, perPartitionLimit);
    const rowCounts = rowCountByClaim(claims, rows);
    const everyClaimHasRows = rowCounts.every((count) => count > 0);
    const result = await processEventBatch(
      {
        ...options,
        commitPosition: async (client, count) => {
          // The whole round done (and no claim left to check for purged events): release in the same statement.
          const release = count === rows.length && everyClaimHasRows;
          await storeOffsets(options, client, owner, claims, rows, count, release);
          if (release) afterCommit(client, () => (released = true));
        },
      },
      rows.map(eventFromRow),
    );
    completedCount = result.completedCount;
    retryAfterMs = result.retryAfterMs;
    if (!released) {
      const emptyClaims = claims.filter((_, index) => rowCounts[index] === 0);
      if (emptyClaims.length > 0) await skipPurgedRanges(options, owner, emptyClaims);
    }
    return {
      completedCount,
      backlog:
        rowCounts.some((count) => count >= perPartitionLimit) || mayBeCutByByteBound(rows, CONSUMER_BATCH_BYTES_MAX),
      resumeAtOnce: completedCount < rows.length && retryAfterMs === undefined,
    };
  } finally {
    clearInterval(renewal);
    if (!released) {
      const failed = retryAfterMs === undefined ? undefined : rows[completedCount];
      await releasePartitions(options, owner, claims, failed, retryAfterMs);
    }
  }
}

function claimKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

function rowCountByClaim(claims: readonly PartitionClaim[], rows: readonly LogRow[]): number[] {
  const indexByKey = new Map(claims.map((claim, index) => [claimKey(claim.topic, claim.partition), index]));
  const counts = claims.map(() => 0);
  for (const row of rows) {
    const index = indexByKey.get(claimKey(row.topic, row.partition));
    assert(index !== undefined, 'every event read belongs to a claimed partition');
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts;
}

/**
 * The next events of every claimed partition, in claim order then sequence: at most
 * `perPartitionLimit` per partition and CONSUMER_BATCH_BYTES_MAX of payload in all (the first
 * event always fits). A prefix of this order leaves each partition with a prefix of its events done.
 */
async function readRoundBatch(
  options: PostgresLogConsumerOptions,
  claims: readonly PartitionClaim[],
  perPartitionLimit: number,
): Promise<LogRow[]> {
  const log = `${quoteIdentifier(options.busSchema)}.event_log`;
  const result = await options.pool.query<LogRow>(
    `SELECT sequence, partition, event_id, topic, event_key, event_type, payload, headers, occurred_at FROM (
       SELECT next.*, claim.claim_order,
         sum(octet_length(next.payload)) OVER (ORDER BY claim.claim_order, next.sequence) - octet_length(next.payload) AS bytes_before
       FROM unnest($1::text[], $2::int[], $3::bigint[]) WITH ORDINALITY AS claim(topic, partition, next_sequence, claim_order)
       CROSS JOIN LATERAL (
         SELECT * FROM ${log} AS event
         WHERE event.topic = claim.topic AND event.partition = claim.partition AND event.sequence >= claim.next_sequence
         ORDER BY event.sequence LIMIT $4
       ) AS next
     ) AS sized WHERE bytes_before < $5 ORDER BY claim_order, sequence`,
    [
      claims.map((claim) => claim.topic),
      claims.map((claim) => claim.partition),
      claims.map((claim) => claim.next_sequence),
      perPartitionLimit,
      CONSUMER_BATCH_BYTES_MAX,
    ],
  );
  return result.rows;
}

async function renewPartitionLeases(
  options: PostgresLogConsumerOptions,
  owner: string,
  claims: readonly PartitionClaim[],
): Promise<void> {
  await options.pool.query(
    `UPDATE ${quoteIdentifier(options.busSchema)}.consumer_offsets AS offsets
     SET lease_expires_at = now() + make_interval(secs => $3::double precision / 1000)
     FROM unnest($4::text[], $5::int[]) AS claim(topic, partition)
     WHERE offsets.group_name = $1 AND offsets.lease_owner = $2
       AND offsets.topic = claim.topic AND offsets.partition = claim.partition`,
    [
      options.group,
      owner,
      options.partitionLeaseMs,
      claims.map((claim) => claim.topic),
      claims.map((claim) => claim.partition),
    ],
  );
}

/** Each claim's next sequence once the first `completedCount` rows of the round are done. */
function nextSequences(claims: readonly PartitionClaim[], rows: readonly LogRow[], completedCount: number): bigint[] {
  assert(completedCount >= 0 && completedCount <= rows.length, 'completed count within the round');
  const nextByKey = new Map<string, bigint>();
  for (const row of rows.slice(0, completedCount)) nextByKey.set(claimKey(row.topic, row.partition), row.sequence + 1n);
  return claims.map((claim) => {
    const next = nextByKey.get(claimKey(claim.topic, claim.partition)) ?? claim.next_sequence;
    assert(next >= claim.next_sequence, 'offset only moves forward');
    return next;
  });
}

async function claimPartitions(
  options: PostgresLogConsumerOptions,
  owner: string,
  partitionLimit: number,
): Promise<PartitionClaim[]> {
  assert(partitionLimit >= 1, 'a round claims at least one partition');
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
           ORDER BY candidate.updated_at LIMIT $5
           FOR UPDATE OF candidate SKIP LOCKED) AS claimed
     WHERE offsets.group_name = claimed.group_name AND offsets.topic = claimed.topic AND offsets.partition = claimed.partition
     RETURNING offsets.topic, offsets.partition, offsets.next_sequence`,
    [options.group, options.topics, owner, options.partitionLeaseMs, partitionLimit],
  );
  // A fixed order (RETURNING has none) keeps rounds deterministic.
  return result.rows.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/**
 * Stores the claims' offsets in the handlers' transaction, only while this worker still owns every
 * lease; `release` also gives the leases back (the round is finished).
 */
async function storeOffsets(
  options: PostgresLogConsumerOptions,
  client: pg.PoolClient,
  owner: string,
  claims: readonly PartitionClaim[],
  rows: readonly LogRow[],
  completedCount: number,
  release: boolean,
): Promise<void> {
  const updated = await client.query(
    `UPDATE ${quoteIdentifier(options.busSchema)}.consumer_offsets AS offsets
     SET next_sequence = moved.next_sequence, updated_at = now(),
         lease_owner = CASE WHEN $3 THEN NULL ELSE offsets.lease_owner END,
         lease_expires_at = CASE WHEN $3 THEN NULL ELSE offsets.lease_expires_at END,
         retry_not_before = CASE WHEN $3 THEN NULL ELSE offsets.retry_not_before END
     FROM unnest($4::text[], $5::int[], $6::bigint[], $7::bigint[]) AS moved(topic, partition, next_sequence, claimed_sequence)
     WHERE offsets.group_name = $1 AND offsets.lease_owner = $2 AND offsets.lease_expires_at > now()
       AND offsets.topic = moved.topic AND offsets.partition = moved.partition
       AND offsets.next_sequence = moved.claimed_sequence`,
    [
      options.group,
      owner,
      release,
      claims.map((claim) => claim.topic),
      claims.map((claim) => claim.partition),
      nextSequences(claims, rows, completedCount),
      claims.map((claim) => claim.next_sequence),
    ],
  );
  if (updated.rowCount !== claims.length) {
    throw new BusError(
      BusErrorCode.handlerFailed,
      `partition lease lost for ${claims.length - (updated.rowCount ?? 0)} partitions`,
    );
  }
}

/**
 * A claimed partition with no event at or after its offset, while its head is further on, lost
 * that range to retention: move its offset to the head.
 */
async function skipPurgedRanges(
  options: PostgresLogConsumerOptions,
  owner: string,
  claims: readonly PartitionClaim[],
): Promise<void> {
  const schema = quoteIdentifier(options.busSchema);
  await options.pool.query(
    `UPDATE ${schema}.consumer_offsets AS offsets SET next_sequence = head.next_sequence
     FROM ${schema}.partition_heads AS head, unnest($3::text[], $4::int[]) AS claim(topic, partition)
     WHERE offsets.group_name = $1 AND offsets.lease_owner = $2
       AND offsets.topic = claim.topic AND offsets.partition = claim.partition
       AND head.topic = offsets.topic AND head.partition = offsets.partition AND head.next_sequence > offsets.next_sequence
       AND NOT EXISTS (SELECT 1 FROM ${schema}.event_log AS event
                       WHERE event.topic = offsets.topic AND event.partition = offsets.partition
                         AND event.sequence >= offsets.next_sequence)`,
    [options.group, owner, claims.map((claim) => claim.topic), claims.map((claim) => claim.partition)],
  );
}

/** Gives the claims back; the partition of the failed event (if any) is retried after a delay. */
async function releasePartitions(
  options: PostgresLogConsumerOptions,
  owner: string,
  claims: readonly PartitionClaim[],
  failed: LogRow | undefined,
  retryAfterMs: number | undefined,
): Promise<void> {
  await options.pool.query(
    `UPDATE ${quoteIdentifier(options.busSchema)}.consumer_offsets AS offsets
     SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
         retry_not_before = CASE WHEN offsets.topic = $5 AND offsets.partition = $6
           THEN now() + make_interval(secs => $7::double precision / 1000) ELSE NULL END
     FROM unnest($3::text[], $4::int[]) AS claim(topic, partition)
     WHERE offsets.group_name = $1 AND offsets.lease_owner = $2
       AND offsets.topic = claim.topic AND offsets.partition = claim.partition`,
    [
      options.group,
      owner,
      claims.map((claim) => claim.topic),
      claims.map((claim) => claim.partition),
      failed?.topic ?? null,
      failed?.partition ?? null,
      retryAfterMs ?? null,
    ],
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
