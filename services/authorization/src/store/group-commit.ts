/**
 * Group commit: callers submit one row each and wait; rows are collected and written by one
 * transaction, then every waiter is resolved with its own result. When no write is in flight the
 * rows of the current event-loop turn go out at once (no added latency at low load); while writes
 * are in flight, rows collect for the window, until a batch is full, or until a write finishes. One fsync serves many transactions, which is what makes thousands of durable writes per
 * second possible on two cores. A full queue refuses new rows at once (back-pressure) instead of
 * growing without bound.
 */
import { assert } from '@acq/assert';

export interface GroupCommitLimits {
  readonly windowMs: number;
  /**
   * When nothing is in flight: `end_of_turn` (default) writes at the end of the event-loop turn (no
   * added latency, for writes a caller waits on); `after_window` waits the window first, so work
   * nobody waits on (confirmations) still goes out in batches at low rates.
   */
  readonly idleFlush?: 'end_of_turn' | 'after_window';
  readonly rowsMax: number;
  readonly queueRowsMax: number;
  readonly concurrentBatchesMax: number;
}

export type BatchWriter<Item, Result> = (items: readonly Item[]) => Promise<readonly Result[]>;

export class GroupCommitQueueFullError extends Error {
  override readonly name = 'GroupCommitQueueFullError';
  readonly code = 'GROUP_COMMIT_QUEUE_FULL';
}

export class GroupCommitClosedError extends Error {
  override readonly name = 'GroupCommitClosedError';
  readonly code = 'GROUP_COMMIT_CLOSED';
}

interface Waiter<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommitter<Item, Result> {
  readonly #writeBatch: BatchWriter<Item, Result>;
  readonly #limits: GroupCommitLimits;
  #queue: Waiter<Item, Result>[] = [];
  #timer: NodeJS.Timeout | undefined = undefined;
  #immediate: NodeJS.Immediate | undefined = undefined;
  #batchesInFlight = 0;
  #closed = false;
  #batchesWritten = 0;
  #rowsWritten = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(writeBatch: BatchWriter<Item, Result>, limits: GroupCommitLimits) {
    assert(limits.windowMs >= 0 && limits.rowsMax >= 1, 'group commit needs a window and a batch size');
    assert(limits.queueRowsMax >= limits.rowsMax, 'the queue holds at least one batch');
    assert(limits.idleFlush !== 'after_window' || limits.windowMs > 0, 'waiting for the window needs a window');
    assert(limits.concurrentBatchesMax >= 1, 'at least one batch may be in flight');
    this.#writeBatch = writeBatch;
    this.#limits = limits;
  }

  submit(item: Item): Promise<Result> {
    if (this.#closed) return Promise.reject(new GroupCommitClosedError('group commit is closed'));
    if (this.#queue.length >= this.#limits.queueRowsMax) {
      return Promise.reject(new GroupCommitQueueFullError('group commit queue is full'));
    }
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Batches and rows written so far (for metrics and tests: rows per commit). */
  get stats(): { batchesWritten: number; rowsWritten: number } {
    return { batchesWritten: this.#batchesWritten, rowsWritten: this.#rowsWritten };
  }

  /** Rows waiting or being written. */
  get pendingCount(): number {
    return this.#queue.length;
  }

  /** Stops accepting rows and resolves once everything submitted has been written. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#flushWhilePossible();
    if (this.#queue.length === 0 && this.#batchesInFlight === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(): void {
    if (this.#queue.length >= this.#limits.rowsMax) {
      this.#flushWhilePossible();
      return;
    }
    if (this.#batchesInFlight === 0 && this.#limits.idleFlush !== 'after_window') {
      // Idle: write at the end of this turn, so rows submitted in the same turn share the write.
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        this.#flushWhilePossible();
      });
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flushWhilePossible();
      }, this.#limits.windowMs);
    }
  }

  #flushWhilePossible(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    while (this.#queue.length > 0 && this.#batchesInFlight < this.#limits.concurrentBatchesMax) {
      const batch = this.#queue.splice(0, this.#limits.rowsMax);
      this.#batchesInFlight += 1;
      void this.#write(batch);
    }
  }

  async #write(batch: Waiter<Item, Result>[]): Promise<void> {
    try {
      const results = await this.#writeBatch(batch.map((waiter) => waiter.item));
      assert(results.length === batch.length, 'a batch writer answers every row');
      this.#batchesWritten += 1;
      this.#rowsWritten += batch.length;
      for (let index = 0; index < batch.length; index += 1) {
        (batch[index] as Waiter<Item, Result>).resolve(results[index] as Result);
      }
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    } finally {
      this.#batchesInFlight -= 1;
      this.#afterBatch();
    }
  }

  #afterBatch(): void {
    if (this.#queue.length > 0) {
      // Rows that arrived while every batch slot was busy go out at once: they already waited.
      this.#flushWhilePossible();
      return;
    }
    if (this.#batchesInFlight === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
