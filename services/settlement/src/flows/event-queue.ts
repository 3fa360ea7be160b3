/**
 * The event queue between the bus consumer and the ledger. The bus hands settlement one event at a
 * time; applying them one by one costs a dozen statements each, which cannot keep up with 4,000
 * events/s on our hardware. So the consumer only enqueues (one insert, inside its inbox
 * transaction), and an applier per partition applies up to EVENT_BATCH_SIZE_MAX events with
 * multi-row statements and deletes them in the same transaction. Partitions are chosen by merchant,
 * so one merchant's events stay in order.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { fen } from '@acq/money';
import { systemShardOf } from '../domain/accounts.ts';
import type { TransactionEvent } from '../domain/settlement-events.ts';
import {
  APPLIER_ATTEMPT_COUNT_MAX,
  APPLIER_PARTITION_COUNT,
  ERROR_TEXT_LENGTH_MAX,
  EVENT_BATCH_SIZE_MAX,
} from '../limits.ts';
import type { Queryable } from '../store/ledger-store.ts';
import { applyTransactionEventsWithin, ensureMerchantProfiles } from './apply-transaction-events.ts';
import type { SettlementContext } from './settlement-context.ts';

type StoredEvent = Omit<TransactionEvent, 'amountFen'> & { amountFen: string };

export function queuePartitionOf(merchantId: string): number {
  return systemShardOf(merchantId) % APPLIER_PARTITION_COUNT;
}

export async function enqueueTransactionEvents(client: Queryable, events: readonly TransactionEvent[]): Promise<void> {
  if (events.length === 0) return;
  assert(events.length <= EVENT_BATCH_SIZE_MAX, 'enqueue batches are bounded');
  await client.query(
    `INSERT INTO event_queue (partition, event_id, merchant_id, payload)
     SELECT * FROM unnest($1::smallint[], $2::text[], $3::text[], $4::jsonb[]) ON CONFLICT (event_id) DO NOTHING`,
    [
      events.map((event) => queuePartitionOf(event.merchantId)),
      events.map((event) => event.eventId),
      events.map((event) => event.merchantId),
      events.map((event) => JSON.stringify({ ...event, amountFen: event.amountFen.toString() } satisfies StoredEvent)),
    ],
  );
}

type QueueRow = { sequence: bigint; payload: StoredEvent; failed_attempts: number };

function eventOf(row: QueueRow): TransactionEvent {
  return { ...row.payload, amountFen: fen(row.payload.amountFen) };
}

async function readHead(client: Queryable, partition: number, limit: number): Promise<QueueRow[]> {
  const result = await client.query<QueueRow>(
    'SELECT sequence, payload, failed_attempts FROM event_queue WHERE partition = $1 ORDER BY sequence LIMIT $2',
    [partition, limit],
  );
  return result.rows;
}

/**
 * Applies the head of one partition; returns how many events left the queue. The caller holds the
 * partition's lease, so nobody else applies this partition meanwhile. A failing batch is retried
 * event by event, and an event that keeps failing alone is dead-lettered so it cannot block its
 * partition forever.
 */
export async function applyQueuedEvents(context: SettlementContext, partition: number): Promise<number> {
  assert(partition >= 0 && partition < APPLIER_PARTITION_COUNT, 'partition within range');
  const head = await readHead(context.pool, partition, EVENT_BATCH_SIZE_MAX);
  if (head.length === 0) return 0;
  const events = head.map(eventOf);
  try {
    await ensureMerchantProfiles(context, [...new Set(events.map((event) => event.merchantId))]);
    await applyAndDelete(context, head, events);
    return head.length;
  } catch (batchError) {
    const first = head[0];
    const firstEvent = events[0];
    assert(first !== undefined && firstEvent !== undefined, 'a failed batch has a head');
    if (head.length > 1) {
      // Apply the head alone: either it goes through (and the rest follow next pass) or it is the culprit.
      return applyQueuedEventAlone(context, first, firstEvent);
    }
    return recordFailure(context, first, firstEvent, batchError);
  }
}

async function applyAndDelete(
  context: SettlementContext,
  rows: readonly QueueRow[],
  events: readonly TransactionEvent[],
): Promise<void> {
  await withTransaction(context.pool, async (client) => {
    await applyTransactionEventsWithin(client, context, events);
    const deleted = await client.query('DELETE FROM event_queue WHERE sequence = ANY($1::bigint[])', [
      rows.map((row) => row.sequence.toString()),
    ]);
    assert(deleted.rowCount === rows.length, 'the applier owns its partition: every applied row is still queued');
  });
}

async function applyQueuedEventAlone(
  context: SettlementContext,
  row: QueueRow,
  event: TransactionEvent,
): Promise<number> {
  try {
    await ensureMerchantProfiles(context, [event.merchantId]);
    await applyAndDelete(context, [row], [event]);
    return 1;
  } catch (error) {
    return recordFailure(context, row, event, error);
  }
}

async function recordFailure(
  context: SettlementContext,
  row: QueueRow,
  event: TransactionEvent,
  error: unknown,
): Promise<number> {
  const errorText = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(
    0,
    ERROR_TEXT_LENGTH_MAX,
  );
  if (row.failed_attempts + 1 < APPLIER_ATTEMPT_COUNT_MAX) {
    await context.pool.query('UPDATE event_queue SET failed_attempts = failed_attempts + 1 WHERE sequence = $1', [
      row.sequence.toString(),
    ]);
    throw error;
  }
  await withTransaction(context.pool, async (client) => {
    await client.query(
      `INSERT INTO event_dead_letter (event_id, merchant_id, payload, error_text) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO NOTHING`,
      [event.eventId, event.merchantId, JSON.stringify(row.payload), errorText],
    );
    await client.query('DELETE FROM event_queue WHERE sequence = $1', [row.sequence.toString()]);
  });
  return 1;
}

/** Events accepted but not yet applied (part of the consumer lag). */
export async function queueDepth(client: Queryable): Promise<number> {
  const result = await client.query<{ depth: number }>('SELECT count(*)::int AS depth FROM event_queue');
  return result.rows[0]?.depth ?? 0;
}
