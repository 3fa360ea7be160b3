import { assert } from '@acq/assert';
import { advisoryKey, quoteIdentifier, retryOnConflict, withTransaction } from '@acq/db';
import type pg from 'pg';
import { type BusEvent, eventColumns } from '../event.ts';
import { POSTGRES_LOG_PARTITION_COUNT, POSTGRES_LOG_RETENTION_MS, PURGE_BATCH_SIZE_MAX } from '../limits.ts';
import { partitionForKey } from '../partition.ts';
import type { EventPublisher } from './publisher.ts';

export interface PostgresLogPublisherOptions {
  pool: pg.Pool;
  busSchema?: string;
}

/**
 * NOTIFY channel raised for a topic on every append to it, so its consumers wake without polling and
 * consumers of other topics are not woken at all.
 */
export function eventLogChannel(busSchema: string, topic: string): string {
  const channel = `${busSchema}_event_log_${topic.replace(/[^a-z0-9_]/g, '_')}`;
  assert(channel.length <= POSTGRES_IDENTIFIER_LENGTH_MAX, 'a NOTIFY channel is an identifier');
  return channel;
}

const POSTGRES_IDENTIFIER_LENGTH_MAX = 63;

/**
 * Appends a batch to the shared event log in one statement. Sequence ranges are reserved by
 * upserting partition_heads (row-locked in sorted order to avoid deadlocks) in the same statement
 * as the insert, so appends to a partition commit one after the other and sequences have no gaps.
 * From a relay (publishFromOutbox) the same statement marks the outbox rows published: the log and
 * the outbox share the database, so the relay's append and mark are one atomic round trip.
 */
export function createPostgresLogPublisher(options: PostgresLogPublisherOptions): EventPublisher {
  const busSchema = options.busSchema ?? 'bus';
  const appendSql = appendStatement(quoteIdentifier(busSchema), undefined);
  const appendAndMarkSqlBySchema = new Map<string, string>();
  const append = async (events: readonly BusEvent[], sql: string, extra: unknown[]): Promise<number> => {
    const columns = eventColumns(events);
    const partitions = events.map((event) => partitionForKey(event.key, POSTGRES_LOG_PARTITION_COUNT));
    const parameters = [
      columns.topics,
      partitions,
      columns.ids,
      columns.keys,
      columns.types,
      columns.payloads,
      columns.headers,
      columns.occurredAts,
      ...extra,
    ];
    // One statement is atomic on its own; the rare deadlock between appenders of overlapping
    // partition sets is retried.
    const result = await retryOnConflict(() =>
      options.pool.query<{ appended_count: number; marked_count: number }>(sql, parameters),
    );
    const row = result.rows[0];
    assert(row?.appended_count === events.length, 'every event was appended to the log');
    // NOTIFY after the commit, not in it: a notifying transaction holds the global notify lock
    // through its commit flush (see outbox-notifier.ts). A lost one only delays consumers to their poll.
    const channels = [...new Set(events.map((event) => eventLogChannel(busSchema, event.topic)))];
    await options.pool
      .query('SELECT pg_notify(channel, $2) FROM unnest($1::text[]) AS channel', [channels, ''])
      .catch(() => undefined);
    return row.marked_count;
  };
  return {
    backend: 'postgres',
    async publish(events) {
      if (events.length === 0) return;
      await append(events, appendSql, []);
    },
    async publishFromOutbox(events, outbox) {
      assert(events.length === outbox.positions.length, 'one outbox position per event');
      if (events.length === 0) return 0;
      let sql = appendAndMarkSqlBySchema.get(outbox.schema);
      if (sql === undefined) {
        sql = appendStatement(quoteIdentifier(busSchema), quoteIdentifier(outbox.schema));
        appendAndMarkSqlBySchema.set(outbox.schema, sql);
      }
      return append(events, sql, [outbox.positions]);
    },
    purgeExpired: () => purgeExpiredLogEvents(options.pool, busSchema),
    async close() {},
  };
}

/** The append, and with an outbox schema also the mark of `$9` positions of that outbox as published. */
function appendStatement(schema: string, outboxSchema: string | undefined): string {
  const mark =
    outboxSchema === undefined
      ? ''
      : `,
    marked AS (
      UPDATE ${outboxSchema}.outbox SET published_at = now()
      WHERE position = ANY($9::bigint[]) AND published_at IS NULL
      RETURNING 1)`;
  const markedCount = outboxSchema === undefined ? '0' : '(SELECT count(*) FROM marked)::int';
  return `
    WITH input AS (
      SELECT * FROM unnest($1::text[], $2::int[], $3::uuid[], $4::text[], $5::text[], $6::bytea[], $7::jsonb[], $8::timestamptz[])
        WITH ORDINALITY AS input(topic, partition, event_id, event_key, event_type, payload, headers, occurred_at, ordinal)),
    counts AS (SELECT topic, partition, count(*)::bigint AS event_count FROM input GROUP BY topic, partition),
    heads AS (
      INSERT INTO ${schema}.partition_heads AS head (topic, partition, next_sequence)
      SELECT topic, partition, event_count FROM counts ORDER BY topic, partition
      ON CONFLICT (topic, partition) DO UPDATE SET next_sequence = head.next_sequence + EXCLUDED.next_sequence
      RETURNING head.topic, head.partition, head.next_sequence),
    appended AS (
      INSERT INTO ${schema}.event_log (topic, partition, sequence, event_id, event_key, event_type, payload, headers, occurred_at)
      SELECT input.topic, input.partition,
             heads.next_sequence - counts.event_count - 1
               + row_number() OVER (PARTITION BY input.topic, input.partition ORDER BY input.ordinal),
             input.event_id, input.event_key, input.event_type, input.payload, input.headers, input.occurred_at
      FROM input JOIN counts USING (topic, partition) JOIN heads USING (topic, partition)
      RETURNING 1)${mark}
    SELECT (SELECT count(*) FROM appended)::int AS appended_count, ${markedCount} AS marked_count`;
}

/** Deletes log events past retention in one bounded batch; one purger at a time per bus schema. */
async function purgeExpiredLogEvents(pool: pg.Pool, busSchema: string): Promise<number> {
  const schema = quoteIdentifier(busSchema);
  return withTransaction(pool, async (client) => {
    const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      advisoryKey(`event-log-purge:${busSchema}`),
    ]);
    if (lock.rows[0]?.locked !== true) return 0;
    const deleted = await client.query(
      `DELETE FROM ${schema}.event_log WHERE (topic, partition, sequence) IN (
         SELECT topic, partition, sequence FROM ${schema}.event_log
         WHERE appended_at < now() - make_interval(secs => $1::double precision / 1000) LIMIT $2)`,
      [POSTGRES_LOG_RETENTION_MS, PURGE_BATCH_SIZE_MAX],
    );
    return deleted.rowCount ?? 0;
  });
}
