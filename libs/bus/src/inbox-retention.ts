import { assert } from '@acq/assert';
import { describeError, type Logger, quoteIdentifier } from '@acq/db';
import type pg from 'pg';
import { INBOX_RETENTION_MS, PURGE_BATCH_SIZE_MAX, PURGE_INTERVAL_MS } from './limits.ts';

/**
 * Deletes finished inbox rows older than INBOX_RETENTION_MS, at most PURGE_BATCH_SIZE_MAX per call.
 * Unfinished rows are kept whatever their age: they carry the attempt counters.
 */
export async function purgeInbox(
  pool: pg.Pool,
  schema: string,
  retentionMs: number = INBOX_RETENTION_MS,
): Promise<number> {
  assert(retentionMs > 0, 'retention must be positive');
  const inbox = `${quoteIdentifier(schema)}.inbox`;
  const result = await pool.query(
    `DELETE FROM ${inbox} WHERE (consumer_group, event_id) IN (
       SELECT consumer_group, event_id FROM ${inbox}
       WHERE received_at < now() - make_interval(secs => $1::double precision / 1000)
         AND (processed_at IS NOT NULL OR dead_lettered_at IS NOT NULL)
       LIMIT $2)`,
    [retentionMs, PURGE_BATCH_SIZE_MAX],
  );
  return result.rowCount ?? 0;
}

/** Runs purgeInbox every PURGE_INTERVAL_MS until stopped; failures are logged and retried next time. */
export function startInboxRetention(pool: pg.Pool, schema: string, logger: Logger): { stop(): void } {
  const timer = setInterval(() => {
    purgeInbox(pool, schema).catch((error: unknown) => {
      logger.warn({ schema, ...describeError(error) }, 'inbox purge failed');
    });
  }, PURGE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
