import type pg from 'pg';
import { DatabaseError, DatabaseErrorCode } from './errors.ts';
import { PING_TIMEOUT_MS } from './limits.ts';

/** Readiness probe: one round trip with its own timeout, so /readyz never hangs on a dead database. */
export async function pingDatabase(pool: pg.Pool, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseError(DatabaseErrorCode.pingFailed, `database ping timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([pool.query('SELECT 1'), timeout]);
  } catch (error) {
    if (error instanceof DatabaseError) throw error;
    throw new DatabaseError(DatabaseErrorCode.pingFailed, 'database ping failed', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
