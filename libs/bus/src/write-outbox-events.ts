import { assert } from '@acq/assert';
import type pg from 'pg';
import { type BusEvent, buildEvent, eventColumns, type OutboxEventInput } from './event.ts';
import { OUTBOX_WRITE_EVENT_COUNT_MAX } from './limits.ts';

/**
 * Inserts events into the caller's own `outbox` table (resolved through the connection's
 * search_path) inside the caller's transaction: they become visible to the relay only if that
 * transaction commits. One statement for the whole batch; the NOTIFY it raises is delivered at
 * commit and wakes the relay within milliseconds.
 */
export async function writeOutboxEvents(
  client: Pick<pg.ClientBase, 'query'>,
  inputs: readonly OutboxEventInput[],
): Promise<BusEvent[]> {
  assert(inputs.length <= OUTBOX_WRITE_EVENT_COUNT_MAX, 'too many events in one outbox write');
  if (inputs.length === 0) return [];
  const events = inputs.map((input) => buildEvent(input));
  const columns = eventColumns(events);
  const result = await client.query<{ inserted_count: number }>(
    `WITH inserted AS (
       INSERT INTO outbox (event_id, topic, event_key, event_type, payload, headers, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[], $7::timestamptz[])
       RETURNING 1)
     SELECT (SELECT count(*) FROM inserted)::int AS inserted_count, pg_notify('outbox_' || current_schema(), '')`,
    [columns.ids, columns.topics, columns.keys, columns.types, columns.payloads, columns.headers, columns.occurredAts],
  );
  assert(result.rows[0]?.inserted_count === events.length, 'every outbox event was inserted');
  return events;
}

/** NOTIFY channel of a schema's outbox (must match the expression in writeOutboxEvents). */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`;
}
