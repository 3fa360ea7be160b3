import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '@acq/assert';
import type pg from 'pg';
import { advisoryKey } from './advisory-key.ts';
import { describeError, type Logger, stderrLogger } from './logger.ts';
import { LEASE_HEARTBEAT_INTERVAL_MS, LEASE_REACQUIRE_INTERVAL_MS } from './limits.ts';

/**
 * A session-level Postgres advisory lock held on one dedicated pooled connection: the singleton
 * guard for relays and schedulers. Postgres drops the lock when the session ends, so a crashed
 * holder frees it at once; the holder notices its own connection loss through the client's
 * error event and a heartbeat query, and then aborts `signal` so its job stops.
 * The dedicated connection counts against the pool's size.
 */
export class AdvisoryLease {
  readonly name: string;
  readonly key: bigint;
  private readonly pool: pg.Pool;
  private readonly logger: Logger;
  private session: pg.PoolClient | undefined = undefined;
  private heartbeat: NodeJS.Timeout | undefined = undefined;
  private lostController = new AbortController();

  constructor(options: { pool: pg.Pool; name: string; logger?: Logger }) {
    this.pool = options.pool;
    this.name = options.name;
    this.key = advisoryKey(options.name);
    this.logger = options.logger ?? stderrLogger;
  }

  /** Aborted when the lease is released or its connection is lost. */
  get signal(): AbortSignal {
    return this.lostController.signal;
  }

  get isHeld(): boolean {
    return this.session !== undefined;
  }

  /** The connection holding the lock, for LISTEN or queries that must run on the holder's session. */
  get client(): pg.PoolClient {
    assert(this.session !== undefined, 'lease is not held');
    return this.session;
  }

  async tryAcquire(): Promise<boolean> {
    assert(this.session === undefined, 'lease already held');
    const client = await this.pool.connect();
    let acquired = false;
    try {
      const result = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [
        this.key,
      ]);
      acquired = result.rows[0]?.acquired === true;
    } catch (error) {
      client.release(true);
      throw error;
    }
    if (!acquired) {
      client.release();
      return false;
    }
    this.session = client;
    this.lostController = new AbortController();
    client.on('error', this.onConnectionError);
    this.heartbeat = setInterval(() => void this.checkConnection(), LEASE_HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    return true;
  }

  async release(): Promise<void> {
    const client = this.session;
    if (client === undefined) return;
    this.stopHolding();
    let broken = false;
    try {
      await client.query('SELECT pg_advisory_unlock($1)', [this.key]);
      // Holders LISTEN on this session (relay wake-ups); the pooled connection goes back clean.
      await client.query('UNLISTEN *');
      client.removeAllListeners('notification');
    } catch (error) {
      // Destroying the connection ends the session, and Postgres releases the lock with it.
      broken = true;
      this.logger.warn({ lease: this.name, ...describeError(error) }, 'advisory unlock failed; closing connection');
    }
    client.release(broken);
  }

  private readonly onConnectionError = (error: Error): void => {
    this.logger.warn({ lease: this.name, ...describeError(error) }, 'lease connection lost');
    this.dropLostSession();
  };

  private async checkConnection(): Promise<void> {
    const client = this.session;
    if (client === undefined) return;
    try {
      await client.query('SELECT 1');
    } catch (error) {
      if (this.session !== client) return;
      this.logger.warn({ lease: this.name, ...describeError(error) }, 'lease heartbeat failed');
      this.dropLostSession();
    }
  }

  private dropLostSession(): void {
    const client = this.session;
    if (client === undefined) return;
    this.stopHolding();
    client.release(true);
  }

  private stopHolding(): void {
    const client = this.session;
    assert(client !== undefined, 'lease is held');
    client.off('error', this.onConnectionError);
    // Keep a no-op listener: a late socket error on a released client must not crash the process.
    client.on('error', () => {});
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.session = undefined;
    this.lostController.abort(new Error(`lease ${this.name} released`));
  }
}

export interface LeasedJobOptions {
  /** Stops the job for good (shutdown). */
  signal: AbortSignal;
  logger?: Logger;
  reacquireIntervalMs?: number;
}

/**
 * Runs `job` only while this replica holds the named lease, re-acquiring after a loss. `job`
 * receives the lease and must return promptly once `lease.signal` aborts. Resolves at shutdown.
 */
export async function withAdvisoryLease(
  pool: pg.Pool,
  name: string,
  job: (lease: AdvisoryLease, signal: AbortSignal) => Promise<void>,
  options: LeasedJobOptions,
): Promise<void> {
  const logger = options.logger ?? stderrLogger;
  const reacquireIntervalMs = options.reacquireIntervalMs ?? LEASE_REACQUIRE_INTERVAL_MS;
  assert(reacquireIntervalMs > 0, 'reacquireIntervalMs must be positive');
  const lease = new AdvisoryLease({ pool, name, logger });
  while (!options.signal.aborted) {
    let acquired = false;
    try {
      acquired = await lease.tryAcquire();
      if (acquired) await job(lease, AbortSignal.any([lease.signal, options.signal]));
    } catch (error) {
      logger.error({ lease: name, ...describeError(error) }, 'leased job failed; retrying');
    } finally {
      if (acquired) await lease.release();
    }
    if (options.signal.aborted) break;
    await sleep(reacquireIntervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
