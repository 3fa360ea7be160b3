/** Retention of the claimed dispute ids (processed_events): older ids are purged in bounded batches. */
import { assert } from '@acq/assert';
import { PROCESSED_EVENTS_RETENTION_DAYS, RETENTION_PURGE_BATCH_MAX } from '../limits.ts';
import type { Queryable } from '../store/ledger-store.ts';

const DAY_MS = 86_400_000;

/** Returns how many ids were purged; a full batch means more are waiting (the loop runs again at once). */
export async function purgeProcessedEvents(client: Queryable, nowMs: number): Promise<number> {
  const cutoffMs = nowMs - PROCESSED_EVENTS_RETENTION_DAYS * DAY_MS;
  assert(cutoffMs > 0, 'the retention cutoff is a real instant');
  const result = await client.query(
    `DELETE FROM processed_events WHERE event_id IN (
       SELECT event_id FROM processed_events WHERE processed_at < to_timestamp($1::bigint / 1000.0) LIMIT $2)`,
    [cutoffMs, RETENTION_PURGE_BATCH_MAX],
  );
  const purged = result.rowCount ?? 0;
  return purged === RETENTION_PURGE_BATCH_MAX ? purged : 0;
}
