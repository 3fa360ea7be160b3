import { assert } from '@acq/assert';
import { describeError, isRetryableTransactionError, type Logger, quoteIdentifier, withTransaction } from '@acq/db';
import type pg from 'pg';
import { type BusEvent, eventColumns } from './event.ts';
import {
  type BatchEventHandler,
  type EventHandlers,
  runBatchHandlerInTraceContext,
  runHandlerInTraceContext,
} from './handler-span.ts';
import {
  CONSUMER_RETRY_BACKOFF_MS_BASE,
  CONSUMER_RETRY_BACKOFF_MS_MAX,
  CONSUMER_RETRY_COUNT_MAX,
  ERROR_TEXT_LENGTH_MAX,
} from './limits.ts';

export interface ProcessEventBatchOptions extends EventHandlers {
  /** The consumer's pool and schema: inbox and dead_letter live there, next to its business tables. */
  pool: pg.Pool;
  schema: string;
  group: string;
  retryCountMax: number;
  logger: Logger;
  /** Runs in the processing transaction after the handlers, e.g. to store the next log offset. */
  commitPosition?: (client: pg.PoolClient, completedCount: number) => Promise<void>;
}

export interface ProcessEventBatchResult {
  /** Events from the start of the batch that are finished: processed, duplicate or dead-lettered. */
  completedCount: number;
  /** Set when the event at `completedCount` failed and should be retried after this delay. */
  retryAfterMs: number | undefined;
}

/** Attempts of an unfinished event before this round; finished events (duplicates) have none. */
interface InboxState {
  startedAttempts: number;
  failedAttempts: number;
  /** Whether this round's start is already counted in the inbox row. */
  startCounted: boolean;
}

/** How a slice runs: the batch handler once for all its events, or a handler call per event. */
type SliceMode = 'whole' | 'per_event';

/** Thrown inside the processing transaction to roll it back and say which event failed. */
class HandlerFailure extends Error {
  readonly index: number;
  constructor(index: number, cause: unknown) {
    super('event handler failed', { cause });
    this.index = index;
  }
}

/** Thrown when a batch handler fails for several events at once: which one is at fault is unknown. */
class BatchFailure extends Error {
  constructor(cause: unknown) {
    super('batch handler failed', { cause });
  }
}

/**
 * Idempotent, ordered processing of one batch from one partition (STYLE section 6):
 * 1. one statement for the whole batch, committed: insert the inbox rows and count started_attempts
 *    + 1 on the unfinished ones (a crash leaves started > failed); finished events are duplicates
 *    and skipped;
 * 2. an event whose earlier attempt crashed runs alone (planSlice), so starts are settled to count
 *    exactly the events that run;
 * 3. in one transaction mark the inbox rows processed (which locks them), run the handler (once per
 *    event, or the batch handler once for the batch) on the transaction client and store the
 *    position; a handler error rolls it all back. A failed batch handler call is retried event by
 *    event to find the failing event. The failure is counted in failed_attempts, and the events
 *    before it are redone without it. The failing event stops the batch (per-key order) until
 *    retryCountMax, then goes to dead_letter with the reason.
 */
export async function processEventBatch(
  options: ProcessEventBatchOptions,
  events: readonly BusEvent[],
): Promise<ProcessEventBatchResult> {
  assert(options.retryCountMax >= 1 && options.retryCountMax <= CONSUMER_RETRY_COUNT_MAX, 'retryCountMax out of range');
  assert(
    (options.handler === undefined) !== (options.batchHandler === undefined),
    'exactly one of handler and batchHandler',
  );
  if (events.length === 0) return { completedCount: 0, retryAfterMs: undefined };
  const states = await markStarted(options, events);
  const { sliceEnd, crashedBefore } = planSlice(events, states);
  const slice = events.slice(0, sliceEnd);
  const last = slice.at(-1);
  const lastState = last === undefined ? undefined : states.get(last.id);
  const crashedTooOften =
    crashedBefore &&
    last !== undefined &&
    lastState !== undefined &&
    unfinishedAttempts(lastState) >= options.retryCountMax;
  await settleStarts(options, events, crashedTooOften ? sliceEnd - 1 : sliceEnd, states);
  if (crashedTooOften) {
    const reason = `processing crashed ${unfinishedAttempts(lastState)} times without finishing`;
    await withTransaction(options.pool, async (client) => {
      await deadLetter(options, client, last, reason);
      await options.commitPosition?.(client, slice.length);
    });
    return { completedCount: slice.length, retryAfterMs: undefined };
  }
  let failure = await tryProcessSlice(options, slice, preferredMode(options));
  if (failure instanceof BatchFailure) {
    options.logger.warn(
      { group: options.group, eventCount: slice.length, errorText: errorTextOf(failure.cause) },
      'batch handler failed; retrying event by event',
    );
    failure = await tryProcessSlice(options, slice, 'per_event');
    assert(!(failure instanceof BatchFailure), 'one event at a time never fails as a batch');
  }
  if (failure === undefined) return { completedCount: slice.length, retryAfterMs: undefined };
  return recoverFromHandlerFailure(options, slice, failure);
}

function preferredMode(options: ProcessEventBatchOptions): SliceMode {
  return options.batchHandler === undefined ? 'per_event' : 'whole';
}

/** Runs the slice in one transaction; a handler failure comes back as a value, anything else is thrown. */
async function tryProcessSlice(
  options: ProcessEventBatchOptions,
  slice: readonly BusEvent[],
  mode: SliceMode,
): Promise<HandlerFailure | BatchFailure | undefined> {
  try {
    await withTransaction(options.pool, async (client) => {
      await runHandlers(options, client, slice, mode);
      await options.commitPosition?.(client, slice.length);
    });
    return undefined;
  } catch (error) {
    if (error instanceof HandlerFailure || error instanceof BatchFailure) return error;
    throw error;
  }
}

async function recoverFromHandlerFailure(
  options: ProcessEventBatchOptions,
  slice: readonly BusEvent[],
  failure: HandlerFailure,
): Promise<ProcessEventBatchResult> {
  const failed = slice[failure.index];
  assert(failed !== undefined, 'failure index inside the slice');
  const errorText = errorTextOf(failure.cause);
  const failedAttempts = await recordFailure(options, slice, failure.index, errorText);
  const before = slice.slice(0, failure.index);
  const exhausted = failedAttempts >= options.retryCountMax;
  options.logger.warn(
    { group: options.group, eventId: failed.id, topic: failed.topic, failedAttempts, exhausted, errorText },
    'event handler failed',
  );
  // Redo the events before the failing one without it; if that fails too, nothing is lost: the
  // whole slice is simply retried on the next round.
  await withTransaction(options.pool, async (client) => {
    await runHandlers(options, client, before, preferredMode(options));
    if (exhausted) await deadLetter(options, client, failed, `handler failed ${failedAttempts} times: ${errorText}`);
    await options.commitPosition?.(client, exhausted ? failure.index + 1 : failure.index);
  });
  if (exhausted) return { completedCount: failure.index + 1, retryAfterMs: undefined };
  return { completedCount: failure.index, retryAfterMs: retryBackoffMs(failedAttempts) };
}

/**
 * The slice ends before the second pending event whose earlier attempt crashed, or just after the
 * first pending event if that one crashed before (`crashedBefore`): crash suspects run alone, after
 * only duplicates, so a poison event cannot take its batch neighbours down with it.
 */
function planSlice(
  events: readonly BusEvent[],
  states: Map<string, InboxState>,
): { sliceEnd: number; crashedBefore: boolean } {
  let pendingSeen = false;
  for (let index = 0; index < events.length; index++) {
    const state = states.get((events[index] as BusEvent).id);
    if (state === undefined) continue;
    const crashedBefore = unfinishedAttempts(state) > 0;
    if (crashedBefore && pendingSeen) return { sliceEnd: index, crashedBefore: false };
    if (crashedBefore) return { sliceEnd: index + 1, crashedBefore: true };
    pendingSeen = true;
  }
  return { sliceEnd: events.length, crashedBefore: false };
}

function unfinishedAttempts(state: InboxState): number {
  return state.startedAttempts - state.failedAttempts;
}

/**
 * De-duplication and the attempt counter of the whole batch in one statement, committed before
 * processing (so a crash still counts): inserts the inbox rows of new events and counts a start on
 * every unfinished event that is not a crash suspect. Only when some event was not counted (a
 * duplicate, or a suspect: started > failed) does a second statement read those rows. Returns each
 * unfinished event's attempts before this round; finished events (duplicates) are absent.
 */
async function markStarted(
  options: ProcessEventBatchOptions,
  events: readonly BusEvent[],
): Promise<Map<string, InboxState>> {
  // The log may hold one event twice (relay re-publish); one upsert must touch each row once.
  const unique = [...new Map(events.map((event) => [event.id, event])).values()];
  const columns = eventColumns(unique);
  const inbox = `${quoteIdentifier(options.schema)}.inbox`;
  const counted = await options.pool.query<{ event_id: string; started_attempts: number; failed_attempts: number }>(
    `INSERT INTO ${inbox} AS inbox (consumer_group, event_id, topic, event_key, event_type, started_attempts)
     SELECT $1, event_id, topic, event_key, event_type, 1
     FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS input(event_id, topic, event_key, event_type)
     ON CONFLICT (consumer_group, event_id) DO UPDATE SET started_attempts = inbox.started_attempts + 1
       WHERE inbox.processed_at IS NULL AND inbox.dead_lettered_at IS NULL AND inbox.started_attempts = inbox.failed_attempts
     RETURNING event_id, started_attempts, failed_attempts`,
    [options.group, columns.ids, columns.topics, columns.keys, columns.types],
  );
  const states = new Map<string, InboxState>();
  for (const row of counted.rows) {
    assert(row.started_attempts === row.failed_attempts + 1, 'a start was just counted on an event that never crashed');
    states.set(row.event_id, {
      startedAttempts: row.started_attempts - 1,
      failedAttempts: row.failed_attempts,
      startCounted: true,
    });
  }
  if (states.size === unique.length) return states;
  const uncounted = await options.pool.query<{ event_id: string; started_attempts: number; failed_attempts: number }>(
    `SELECT event_id, started_attempts, failed_attempts FROM ${inbox}
     WHERE consumer_group = $1 AND event_id = ANY($2::uuid[]) AND processed_at IS NULL AND dead_lettered_at IS NULL`,
    [options.group, unique.filter((event) => !states.has(event.id)).map((event) => event.id)],
  );
  for (const row of uncounted.rows) {
    states.set(row.event_id, {
      startedAttempts: row.started_attempts,
      failedAttempts: row.failed_attempts,
      startCounted: false,
    });
  }
  return states;
}

/**
 * Leaves a counted start on exactly the events that run this round (those before `runEnd`): counts
 * it on a crash suspect about to run alone, and takes it back from events behind it, so those do
 * not look like crash suspects next time. One statement, and only when a crash suspect is present.
 */
async function settleStarts(
  options: ProcessEventBatchOptions,
  events: readonly BusEvent[],
  runEnd: number,
  states: Map<string, InboxState>,
): Promise<void> {
  const running = new Set(events.slice(0, runEnd).map((event) => event.id));
  const countIds = new Set<string>();
  const takeBackIds = new Set<string>();
  for (const event of events) {
    const state = states.get(event.id);
    if (state === undefined) continue;
    if (running.has(event.id) && !state.startCounted) countIds.add(event.id);
    if (!running.has(event.id) && state.startCounted) takeBackIds.add(event.id);
  }
  if (countIds.size === 0 && takeBackIds.size === 0) return;
  const result = await options.pool.query(
    `UPDATE ${quoteIdentifier(options.schema)}.inbox
     SET started_attempts = started_attempts + CASE WHEN event_id = ANY($2::uuid[]) THEN 1 ELSE -1 END
     WHERE consumer_group = $1 AND (event_id = ANY($2::uuid[]) OR event_id = ANY($3::uuid[]))
       AND processed_at IS NULL AND dead_lettered_at IS NULL`,
    [options.group, [...countIds], [...takeBackIds]],
  );
  assert(result.rowCount === countIds.size + takeBackIds.size, 'each start is settled once');
}

/**
 * Marks the slice's unfinished inbox rows processed first, which also locks them (a replica that
 * raced us to an event waits here, then sees it finished), then runs the handlers in order. The
 * handlers' failure rolls the marks back with everything else; marking first keeps the business
 * row locks the handlers take (ledger accounts) for the shortest time before the commit.
 */
async function runHandlers(
  options: ProcessEventBatchOptions,
  client: pg.PoolClient,
  slice: readonly BusEvent[],
  mode: SliceMode,
): Promise<void> {
  if (slice.length === 0) return;
  const marked = await client.query<{ event_id: string }>(
    `UPDATE ${quoteIdentifier(options.schema)}.inbox SET processed_at = now()
     WHERE consumer_group = $1 AND event_id = ANY($2::uuid[]) AND processed_at IS NULL AND dead_lettered_at IS NULL
     RETURNING event_id`,
    [options.group, slice.map((event) => event.id)],
  );
  const markedIds = new Set(marked.rows.map((row) => row.event_id));
  // Slice positions of the events to run: marked now (not finished before) and first of their id in the slice.
  const runIndexes: number[] = [];
  const runIds = new Set<string>();
  for (let index = 0; index < slice.length; index++) {
    const event = slice[index] as BusEvent;
    if (!markedIds.has(event.id) || runIds.has(event.id)) continue;
    runIds.add(event.id);
    runIndexes.push(index);
  }
  assert(runIds.size === markedIds.size, 'every marked event belongs to the slice and runs');
  const batchHandler = options.batchHandler;
  if (mode === 'whole' && batchHandler !== undefined && runIndexes.length > 1) {
    await runBatch(
      options,
      client,
      batchHandler,
      runIndexes.map((index) => slice[index] as BusEvent),
    );
  } else {
    for (const index of runIndexes) await runOne(options, client, slice, index);
  }
  const duplicateCount = slice.length - runIds.size;
  if (duplicateCount > 0) options.logger.warn({ group: options.group, duplicateCount }, 'skipped duplicate events');
}

async function runBatch(
  options: ProcessEventBatchOptions,
  client: pg.PoolClient,
  batchHandler: BatchEventHandler,
  events: readonly BusEvent[],
): Promise<void> {
  try {
    await runBatchHandlerInTraceContext(batchHandler, events, client, options.group);
  } catch (error) {
    // Deadlocks and serialization failures are the transaction's, not an event's: withTransaction
    // retries the whole slice without counting a failure.
    if (isRetryableTransactionError(error)) throw error;
    throw new BatchFailure(error);
  }
}

async function runOne(
  options: ProcessEventBatchOptions,
  client: pg.PoolClient,
  slice: readonly BusEvent[],
  index: number,
): Promise<void> {
  const event = slice[index] as BusEvent;
  try {
    if (options.handler !== undefined) {
      await runHandlerInTraceContext(options.handler, event, client, options.group);
    } else {
      assert(options.batchHandler !== undefined, 'a consumer has a handler or a batch handler');
      await runBatchHandlerInTraceContext(options.batchHandler, [event], client, options.group);
    }
  } catch (error) {
    if (isRetryableTransactionError(error)) throw error;
    throw new HandlerFailure(index, error);
  }
}

/**
 * Counts the failure on the failing event, and takes back the started mark of the later events in
 * the slice, which never ran: otherwise they would look like crash suspects next time.
 */
async function recordFailure(
  options: ProcessEventBatchOptions,
  slice: readonly BusEvent[],
  failureIndex: number,
  errorText: string,
): Promise<number> {
  const failed = slice[failureIndex] as BusEvent;
  const notRunIds = new Set(slice.slice(failureIndex + 1).map((event) => event.id));
  notRunIds.delete(failed.id);
  const result = await options.pool.query<{ event_id: string; failed_attempts: number }>(
    `UPDATE ${quoteIdentifier(options.schema)}.inbox SET
       failed_attempts = failed_attempts + CASE WHEN event_id = $2 THEN 1 ELSE 0 END,
       started_attempts = started_attempts - CASE WHEN event_id = $2 THEN 0 ELSE 1 END,
       last_error = CASE WHEN event_id = $2 THEN $3 ELSE last_error END
     WHERE consumer_group = $1 AND event_id = ANY($4::uuid[]) AND processed_at IS NULL AND dead_lettered_at IS NULL
       AND (event_id = $2 OR started_attempts > failed_attempts)
     RETURNING event_id, failed_attempts`,
    [options.group, failed.id, errorText, [failed.id, ...notRunIds]],
  );
  const row = result.rows.find((candidate) => candidate.event_id === failed.id);
  assert(row !== undefined, 'a failed event has an inbox row (marked started before running)');
  return row.failed_attempts;
}

async function deadLetter(
  options: ProcessEventBatchOptions,
  client: pg.PoolClient,
  event: BusEvent,
  reason: string,
): Promise<void> {
  const schema = quoteIdentifier(options.schema);
  const [row] = eventColumns([event]).payloads;
  await client.query(
    `INSERT INTO ${schema}.dead_letter (consumer_group, event_id, topic, event_key, event_type, payload, headers, occurred_at,
       reason, started_attempts, failed_attempts)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, started_attempts, failed_attempts
     FROM ${schema}.inbox WHERE consumer_group = $1 AND event_id = $2
     ON CONFLICT (consumer_group, event_id) DO NOTHING`,
    [
      options.group,
      event.id,
      event.topic,
      event.key,
      event.type,
      row,
      JSON.stringify(event.headers),
      event.occurredAt,
      reason,
    ],
  );
  await client.query(
    `UPDATE ${schema}.inbox SET dead_lettered_at = now(), last_error = $3 WHERE consumer_group = $1 AND event_id = $2`,
    [options.group, event.id, reason.slice(0, ERROR_TEXT_LENGTH_MAX)],
  );
  options.logger.error(
    { group: options.group, eventId: event.id, topic: event.topic, reason },
    'event moved to dead letter',
  );
}

/** Handler errors are log-safe by convention (STYLE 18): keep their code and message, bounded. */
function errorTextOf(error: unknown): string {
  const { errorCode, errorMessage } = describeError(error);
  const text = errorCode === undefined ? errorMessage : `${errorCode}: ${errorMessage}`;
  return text.slice(0, ERROR_TEXT_LENGTH_MAX);
}

export function retryBackoffMs(failedAttempts: number): number {
  assert(failedAttempts >= 1, 'backoff after at least one failure');
  return Math.min(CONSUMER_RETRY_BACKOFF_MS_MAX, CONSUMER_RETRY_BACKOFF_MS_BASE * 2 ** (failedAttempts - 1));
}
