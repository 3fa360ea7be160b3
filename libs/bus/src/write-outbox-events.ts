import { assert } from '@acq/assert';
import { afterCommit } from '@acq/db';
import type pg from 'pg';
import { type BusEvent, buildEvent, eventColumns, type OutboxEventInput } from './event.ts';
import { OUTBOX_WRITE_EVENT_COUNT_MAX } from './limits.ts';
import { announceOutboxWrite } from './outbox-notifier.ts';

/** Columns of an outbox row as the caller supplies them (position and published_at are the table's). */
export const OUTBOX_EVENT_COLUMNS = 'event_id, topic, event_key, event_type, payload, headers, occurred_at';
const OUTBOX_EVENT_COLUMN_TYPES = ['uuid', 'text', 'text', 'text', 'bytea', 'jsonb', 'timestamptz'] as const;
/** Parameters an outbox insert takes (one array per column), from $first on. */
export const OUTBOX_EVENT_PARAMETER_COUNT = OUTBOX_EVENT_COLUMN_TYPES.length;

/**
 * The FROM item of an outbox insert embedded in a caller's own statement, next to the business write
 * it belongs to (one round trip, no BEGIN/COMMIT): `outbox_event` with OUTBOX_EVENT_COLUMNS and an
 * `ordinal` (the event's 1-based place), reading the parameters of prepareOutboxInsert from
 * `$firstParameter` on. Insert with `INSERT INTO outbox (OUTBOX_EVENT_COLUMNS) SELECT
 * OUTBOX_EVENT_COLUMNS FROM ... ORDER BY outbox_event.ordinal` and call announceOutboxWrite(schema)
 * once the statement has committed.
 */
export function outboxEventSource(firstParameter: number): string {
  const arrays = OUTBOX_EVENT_COLUMN_TYPES.map((type, index) => `$${firstParameter + index}::${type}[]`).join(', ');
  return `unnest(${arrays}) WITH ORDINALITY AS outbox_event(${OUTBOX_EVENT_COLUMNS}, ordinal)`;
}

/** The events built from `inputs` and the parameters outboxEventSource reads. */
export function prepareOutboxInsert(inputs: readonly OutboxEventInput[]): {
  events: BusEvent[];
  parameters: unknown[];
} {
  assert(inputs.length <= OUTBOX_WRITE_EVENT_COUNT_MAX, 'too many events in one outbox write');
  const events = inputs.map((input) => buildEvent(input));
  const columns = eventColumns(events);
  const parameters = [
    columns.ids,
    columns.topics,
    columns.keys,
    columns.types,
    columns.payloads,
    columns.headers,
    columns.occurredAts,
  ];
  assert(parameters.length === OUTBOX_EVENT_PARAMETER_COUNT, 'one parameter per outbox column');
  return { events, parameters };
}

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
  if (inputs.length === 0) return [];
  const insert = prepareOutboxInsert(inputs);
  const result = await client.query<{ inserted_count: number; schema: string }>(
    `WITH inserted AS (
       INSERT INTO outbox (${OUTBOX_EVENT_COLUMNS})
       SELECT ${OUTBOX_EVENT_COLUMNS} FROM ${outboxEventSource(1)} ORDER BY outbox_event.ordinal
       RETURNING 1)
     SELECT (SELECT count(*) FROM inserted)::int AS inserted_count, current_schema() AS schema`,
    insert.parameters,
  );
  const row = result.rows[0];
  assert(row?.inserted_count === insert.events.length, 'every outbox event was inserted');
  const schema = row.schema;
  if (!afterCommit(client, () => announceOutboxWrite(schema))) announceOutboxWrite(schema);
  return insert.events;
}
