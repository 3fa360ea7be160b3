import { assert } from '@acq/assert';
import { afterCommit } from '@acq/db';
import type pg from 'pg';
import { type BusEvent, buildEvent, eventColumns, type OutboxEventInput } from './event.ts';
import { OUTBOX_WRITE_EVENT_COUNT_MAX } from './limits.ts';
import { announceOutboxWrite } from './outbox-notifier.ts';

/** Columns of an outbox row as the caller supplies them (position and published_at are the table's). */
const OUTBOX_COLUMNS = 'event_id, topic, event_key, event_type, payload, headers, occurred_at';

/**
 * An outbox insert to embed in a caller's own statement, next to the business write it belongs to
 * (one round trip, no BEGIN/COMMIT). `source(first)` is a FROM item named `outbox_event` with the
 * outbox columns and an `ordinal` (the event's 1-based place), reading `parameters` as $first...;
 * insert with `INSERT INTO outbox (${columns}) SELECT ${columns} FROM ... ORDER BY outbox_event.ordinal`
 * and call announceOutboxWrite(schema) once the statement has committed.
 */
export interface OutboxInsert {
  readonly events: readonly BusEvent[];
  readonly columns: string;
  source(firstParameter: number): string;
  readonly parameters: readonly unknown[];
}

export function prepareOutboxInsert(inputs: readonly OutboxEventInput[]): OutboxInsert {
  assert(inputs.length <= OUTBOX_WRITE_EVENT_COUNT_MAX, 'too many events in one outbox write');
  const events = inputs.map((input) => buildEvent(input));
  const columns = eventColumns(events);
  return {
    events,
    columns: OUTBOX_COLUMNS,
    source: (first) => {
      const types = ['uuid', 'text', 'text', 'text', 'bytea', 'jsonb', 'timestamptz'];
      const arrays = types.map((type, index) => `$${first + index}::${type}[]`).join(', ');
      return `unnest(${arrays}) WITH ORDINALITY AS outbox_event(${OUTBOX_COLUMNS}, ordinal)`;
    },
    parameters: [
      columns.ids,
      columns.topics,
      columns.keys,
      columns.types,
      columns.payloads,
      columns.headers,
      columns.occurredAts,
    ],
  };
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
       INSERT INTO outbox (${insert.columns})
       SELECT ${insert.columns} FROM ${insert.source(1)} ORDER BY outbox_event.ordinal
       RETURNING 1)
     SELECT (SELECT count(*) FROM inserted)::int AS inserted_count, current_schema() AS schema`,
    [...insert.parameters],
  );
  const row = result.rows[0];
  assert(row?.inserted_count === insert.events.length, 'every outbox event was inserted');
  const schema = row.schema;
  if (!afterCommit(client, () => announceOutboxWrite(schema))) announceOutboxWrite(schema);
  return [...insert.events];
}
