import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '@acq/assert';
import type pg from 'pg';
import { DatabaseError, DatabaseErrorCode, isRetryableTransactionError } from './errors.ts';
import {
  TRANSACTION_ATTEMPT_COUNT_MAX,
  TRANSACTION_RETRY_BACKOFF_MS_BASE,
  TRANSACTION_RETRY_BACKOFF_MS_MAX,
} from './limits.ts';

export const IsolationLevel = {
  readCommitted: 'READ COMMITTED',
  repeatableRead: 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
} as const;
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

export interface TransactionOptions {
  isolation?: IsolationLevel;
  /** Total attempts including the first; lower than TRANSACTION_ATTEMPT_COUNT_MAX if the caller is latency bound. */
  attemptCountMax?: number;
}

/** Callbacks registered by code running inside a withTransaction, by the transaction's client. */
const commitCallbacks = new WeakMap<object, Array<() => void>>();

/**
 * Runs `callback` once the transaction that `client` is in has committed (never if it rolls back).
 * For work that must not happen inside the transaction, e.g. a NOTIFY: a transaction that notifies
 * holds PostgreSQL's global notify lock through its commit flush, which serialises every
 * committing transaction that notifies. A callback must not throw (it runs as a microtask after
 * the commit, where an exception is a crash). Returns false when `client` is not inside a
 * withTransaction (an autocommit statement has already committed when it returns).
 */
export function afterCommit(client: object, callback: () => void): boolean {
  const callbacks = commitCallbacks.get(client);
  if (callbacks === undefined) return false;
  callbacks.push(callback);
  return true;
}

/**
 * Runs `work` inside BEGIN/COMMIT on one pooled client and rolls back on any error. Serialization
 * failures and deadlocks are retried with jittered backoff, so `work` must be safe to run again:
 * it may only have effects through `client` (which the rollback undoes).
 */
export async function withTransaction<Result>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<Result>,
  options: TransactionOptions = {},
): Promise<Result> {
  const begin = options.isolation === undefined ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${options.isolation}`;
  return retryOnConflict(() => runOnce(pool, begin, work), options.attemptCountMax);
}

/**
 * Runs `work` again after a serialization failure or deadlock, with jittered backoff, up to the
 * attempt limit. For a single autocommit statement (atomic on its own) this is the retry of
 * withTransaction without its BEGIN and COMMIT round trips.
 */
export async function retryOnConflict<Result>(
  work: () => Promise<Result>,
  attemptCountMax: number = TRANSACTION_ATTEMPT_COUNT_MAX,
): Promise<Result> {
  assert(attemptCountMax >= 1 && attemptCountMax <= TRANSACTION_ATTEMPT_COUNT_MAX, 'attemptCountMax out of range');
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryableTransactionError(error)) throw error;
      if (attempt >= attemptCountMax) {
        throw new DatabaseError(
          DatabaseErrorCode.transactionRetriesExhausted,
          `transaction failed after ${attempt} attempts`,
          { cause: error },
        );
      }
      await sleep(retryBackoffMs(attempt));
    }
  }
}

async function runOnce<Result>(
  pool: pg.Pool,
  begin: string,
  work: (client: pg.PoolClient) => Promise<Result>,
): Promise<Result> {
  const client = await pool.connect();
  let connectionBroken = false;
  const callbacks: Array<() => void> = [];
  let result: Result;
  try {
    await client.query(begin);
    commitCallbacks.set(client, callbacks);
    result = await work(client);
    commitCallbacks.delete(client);
    await client.query('COMMIT');
  } catch (error) {
    commitCallbacks.delete(client);
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // A failed ROLLBACK means the connection is unusable; destroy it rather than return it to the pool.
      connectionBroken = true;
      throw new AggregateError([error, rollbackError], 'transaction failed and rollback failed', { cause: error });
    }
    throw error;
  } finally {
    client.release(connectionBroken);
  }
  // Outside the try: the transaction has committed, so nothing after this point may look like its failure.
  for (const callback of callbacks) queueMicrotask(callback);
  return result;
}

/** Exponential backoff with full jitter, so competing transactions do not collide again in lockstep. */
export function retryBackoffMs(attempt: number): number {
  assert(attempt >= 1, 'attempt starts at 1');
  const ceilingMs = Math.min(TRANSACTION_RETRY_BACKOFF_MS_MAX, TRANSACTION_RETRY_BACKOFF_MS_BASE * 2 ** attempt);
  return Math.floor(Math.random() * ceilingMs) + 1;
}
