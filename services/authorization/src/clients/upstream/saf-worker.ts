/**
 * The store-and-forward worker: one replica at a time (a Postgres advisory lease per schema) claims due
 * reversals and advices in batches, sends each over the connector and records the network's answer.
 * An acknowledgement (0410 with 00/25/12, 0230 with 00/94) completes the item; anything else leaves it
 * for a later attempt with exponential backoff, until the attempt bound parks it and raises the alarm.
 * Nothing is claimed while no upstream link is ready, so an outage does not burn attempts.
 */
import { withAdvisoryLease } from '@acq/db';
import { assert } from '@acq/assert';
import type pg from 'pg';
import type { UpstreamLimits } from './limits.ts';
import { ADVICE_ACK_CODES, REVERSAL_ACK_CODES } from './network-message.ts';
import {
  claimDueItems,
  markAcknowledged,
  markAttemptFailed,
  parkUnreadable,
  purgeAcknowledged,
  readQueueSnapshot,
  releaseUnsent,
  type SafItem,
} from './saf-store.ts';
import type { UpstreamLogger } from './types.ts';
import type { UpstreamMetrics } from './upstream-metrics.ts';
import { errorMessageOf } from './upstream-connection.ts';

export type SafSendResult =
  | { status: 'answered'; responseCode: string }
  | { status: 'not_sent' }
  | { status: 'unencodable' }
  | { status: 'timeout' }
  | { status: 'connection_lost' };

export interface SafWorkerOptions {
  pool: pg.Pool;
  /** Schema of the SAF table: the lease is per schema so separate deployments do not block each other. */
  schema: string;
  limits: UpstreamLimits;
  logger: UpstreamLogger;
  metrics: UpstreamMetrics;
  isUpstreamReady: () => boolean;
  send: (item: SafItem) => Promise<SafSendResult>;
}

export class SafWorker {
  readonly #options: SafWorkerOptions;
  readonly #stop = new AbortController();
  #wake: (() => void) | undefined;
  #nudged = false;
  #running: Promise<void> | undefined;
  #gaugesRefreshedAtMs = 0;
  #purgedAtMs = 0;

  constructor(options: SafWorkerOptions) {
    assert(options.limits.safBatchSize >= 1, 'SAF batch size is positive');
    assert(options.limits.safAttemptCountMax >= 1, 'SAF allows at least one attempt');
    this.#options = options;
  }

  start(): void {
    assert(this.#running === undefined, 'SAF worker started once');
    this.#running = withAdvisoryLease(
      this.#options.pool,
      `upstream-saf:${this.#options.schema}`,
      (_lease, signal) => this.#runWhileLeased(signal),
      {
        signal: this.#stop.signal,
        reacquireIntervalMs: this.#options.limits.safLeaseRetryMs,
        logger: this.#options.logger,
      },
    );
  }

  /** Something was queued: look now rather than at the next poll. */
  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#running;
  }

  async #runWhileLeased(signal: AbortSignal): Promise<void> {
    this.#options.logger.info({ schema: this.#options.schema }, 'upstream SAF worker holds the lease');
    while (!signal.aborted) {
      let claimedFullBatch = false;
      try {
        if (this.#options.isUpstreamReady())
          claimedFullBatch = (await this.#drainBatch()) === this.#options.limits.safBatchSize;
        await this.#refreshGauges();
        await this.#purge();
      } catch (error) {
        this.#options.logger.warn({ error: errorMessageOf(error) }, 'upstream SAF batch failed; will retry');
      }
      if (!claimedFullBatch) await this.#sleep(signal);
    }
  }

  async #drainBatch(): Promise<number> {
    const { limits } = this.#options;
    const { items, unreadable } = await claimDueItems(this.#options.pool, limits.safBatchSize, {
      retryIntervalMs: limits.safRetryIntervalMs,
      retryIntervalMsMax: limits.safRetryIntervalMsMax,
    });
    for (const bad of unreadable) {
      await parkUnreadable(this.#options.pool, bad.safItemId, bad.error);
      this.#options.metrics.safParked.add(1, { itemKind: 'unreadable' });
      this.#options.logger.error(
        { safItemId: bad.safItemId.toString(), error: bad.error },
        'upstream SAF item unreadable, parked: operator must reconcile',
      );
    }
    const results = await Promise.allSettled(items.map((item) => this.#process(item)));
    for (const result of results) {
      if (result.status === 'rejected') {
        this.#options.logger.warn({ error: errorMessageOf(result.reason) }, 'upstream SAF item update failed');
      }
    }
    return items.length + unreadable.length;
  }

  async #process(item: SafItem): Promise<void> {
    const { pool, metrics, limits, logger } = this.#options;
    const txnId = item.itemKind === 'reversal' ? item.reversal.txnId : item.advice.txnId;
    const result = await this.#options.send(item);
    metrics.safSends.add(1, { itemKind: item.itemKind, result: result.status });
    if (result.status === 'not_sent') {
      await releaseUnsent(pool, item.safItemId, limits.safRetryIntervalMs);
      return;
    }
    const responseCode = result.status === 'answered' ? result.responseCode : undefined;
    const ackCodes = item.itemKind === 'reversal' ? REVERSAL_ACK_CODES : ADVICE_ACK_CODES;
    const acknowledged =
      responseCode !== undefined &&
      ackCodes.has(responseCode) &&
      (await markAcknowledged(pool, item.safItemId, responseCode));
    if (acknowledged) {
      metrics.safAcks.add(1, { itemKind: item.itemKind });
      logger.info(
        { txnId, itemKind: item.itemKind, responseCode, attemptCount: item.attemptCount },
        'upstream SAF item acknowledged',
      );
      return;
    }
    const state = await markAttemptFailed(
      pool,
      item.safItemId,
      { responseCode, error: result.status },
      limits.safAttemptCountMax,
    );
    if (state !== 'parked') return;
    metrics.safParked.add(1, { itemKind: item.itemKind });
    logger.error(
      { txnId, itemKind: item.itemKind, attemptCount: item.attemptCount, lastResult: responseCode ?? result.status },
      'upstream SAF item parked after max attempts: operator must reconcile',
    );
  }

  async #refreshGauges(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.#gaugesRefreshedAtMs < this.#options.limits.safMetricsIntervalMs) return;
    this.#gaugesRefreshedAtMs = nowMs;
    const snapshot = await readQueueSnapshot(this.#options.pool);
    Object.assign(this.#options.metrics.safGauges, snapshot);
  }

  /** Keeps the table to pending, parked and recently acknowledged items; one batch per interval. */
  async #purge(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.#purgedAtMs < this.#options.limits.safPurgeIntervalMs) return;
    this.#purgedAtMs = nowMs;
    const { safAcknowledgedRetentionMs, safPurgeBatchSize } = this.#options.limits;
    const deleted = await purgeAcknowledged(this.#options.pool, safAcknowledgedRetentionMs, safPurgeBatchSize);
    if (deleted > 0) this.#options.logger.info({ deleted }, 'upstream SAF acknowledged items purged');
  }

  /** Waits for a nudge, the poll interval, or shutdown, whichever comes first. */
  async #sleep(signal: AbortSignal): Promise<void> {
    if (this.#nudged || signal.aborted) {
      this.#nudged = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#options.limits.safPollIntervalMs);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
    this.#nudged = false;
  }
}
