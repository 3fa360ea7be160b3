import { assert } from '@acq/assert';
import type pg from 'pg';

/**
 * Turns LISTEN notifications on one connection into a wait (for any number of waiters) that ends at the first notification or
 * after `timeoutMs`, whichever comes first. Notifications that arrive while nobody waits are
 * remembered, so a wake-up between two waits is not lost. `wakes: 'one'` hands each notification
 * to a single waiter: workers that share a queue then do not all run to the database for one event
 * (the woken worker wakes the next one itself when it found work).
 */
export class WakeSignal {
  private pending = false;
  private notifyCount = 0;
  private holdCount = 0;
  private readonly waiters = new Set<() => void>();
  private readonly wakesAll: boolean;

  constructor(options: { wakes: 'all' | 'one' } = { wakes: 'all' }) {
    this.wakesAll = options.wakes === 'all';
  }

  readonly notify = (): void => {
    this.notifyCount += 1;
    if (this.holdCount > 0) return;
    const first = this.waiters.values().next();
    if (first.done === true) {
      this.pending = true;
      return;
    }
    if (!this.wakesAll) {
      first.value();
      return;
    }
    for (const waiter of [...this.waiters]) waiter();
  };

  /** Counts notifications: a worker compares it across its round to learn whether something arrived meanwhile. */
  get generation(): number {
    return this.notifyCount;
  }

  /**
   * Until the returned function is called, notifications wake nobody (they still count in
   * `generation`): a worker about to read everything pending covers them, so waking another worker
   * for them would only cost an empty read.
   */
  hold(): () => void {
    this.holdCount += 1;
    let released = false;
    return () => {
      assert(!released, 'a hold is released once');
      released = true;
      this.holdCount -= 1;
    };
  }

  async listen(client: pg.ClientBase, channel: string): Promise<void> {
    assert(/^[a-z0-9_]+$/.test(channel), 'channel is a plain identifier');
    client.on('notification', (message) => {
      if (message.channel === channel) this.notify();
    });
    await client.query(`LISTEN "${channel}"`);
  }

  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    assert(timeoutMs > 0, 'timeoutMs must be positive');
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        this.waiters.delete(finish);
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal.addEventListener('abort', finish, { once: true });
      this.waiters.add(finish);
    });
  }
}
