import { assert } from '@acq/assert';
import { afterCommit } from '@acq/db';
import type pg from 'pg';
import { type BusEvent, buildEvent, eventColumns, type OutboxEventInput } from './event.ts';
import { OUTBOX_WRITE_EVENT_COUNT_MAX } from './limits.ts';
import { announceOutboxWrite } from './outbox-notifier.ts';

/**
 * Inserts events into the caller's own `outbox` table (resolved through the connection's
 * search_path) inside the caller's transaction: they become visible to the relay only if that
 * transaction commits. One statement for the whole batch; once the transaction commits (at once
 * for an autocommit statement) the relay is woken (outbox-notifier.ts).
 */
export async function writeOutboxEvents(
  client: Pick<pg.ClientBase, 'query'>,
  inputs: readonly OutboxEventInput[],
): Promise<BusEvent[]> {
  assert(inputs.length <= OUTBOX_WRITE_EVENT_COUNT_MAX, 'too many events in one outbox write');
  if (inputs.length === 0) return [];
  const events = inputs.map((input) => buildEvent(input));
  const columns = eventColumns(events);
  const result = await client.query<{ inserted_count: number; schema: string }>(
    `WITH inserted AS (
       INSERT INTO outbox (event_id, topic, event_key, event_type, payload, headers, occurred_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[], $7::timestamptz[])
       RETURNING 1)
     SELECT (SELECT count(*) FROM inserted)::int AS inserted_count, current_schema() AS schema`,
    [columns.ids, columns.topics, columns.keys, columns.types, columns.payloads, columns.headers, columns.occurredAts],
  );
  const row = result.rows[0];
  assert(row?.inserted_count === events.length, 'every outbox event was inserted');
  const schema = row.schema;
  if (!afterCommit(client, () => announceOutboxWrite(schema))) announceOutboxWrite(schema);
  return events;
}
