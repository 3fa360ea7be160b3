import { assert } from '@acq/assert';
import type { TerminalContext } from '@acq/proto/merchant/v1/merchant.ts';

interface Entry {
  context: TerminalContext | undefined;
  fetchedAtMs: number;
}

/**
 * Terminal contexts (bound merchant, keys under the master key, batch) kept in memory so the hot
 * path does not call the merchant service per message. Concurrent misses share one fetch; entries
 * expire after a TTL, are replaced by newer versions on sign-in, and are re-read on demand (a MAC
 * that fails against a cached key is checked once more against a fresh read, which covers a
 * sign-in served by another gateway replica).
 */
export class TerminalContextCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<TerminalContext | undefined>>();
  readonly #fetch: (terminalId: string) => Promise<TerminalContext | undefined>;
  readonly #entriesMax: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: {
    fetch(terminalId: string): Promise<TerminalContext | undefined>;
    entriesMax: number;
    ttlMs: number;
    now?: () => number;
  }) {
    assert(options.entriesMax > 0, 'cache needs room');
    assert(options.ttlMs > 0, 'TTL is positive');
    this.#fetch = options.fetch;
    this.#entriesMax = options.entriesMax;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(terminalId: string, options: { fresh?: boolean } = {}): Promise<TerminalContext | undefined> {
    const entry = this.#entries.get(terminalId);
    if (options.fresh !== true && entry !== undefined && this.#now() - entry.fetchedAtMs < this.#ttlMs) {
      return entry.context;
    }
    const pending = this.#inFlight.get(terminalId);
    if (pending !== undefined) return pending;
    const fetching = this.#fetch(terminalId).then(
      (context) => {
        this.#inFlight.delete(terminalId);
        this.#store(terminalId, context);
        return context;
      },
      (error: unknown) => {
        this.#inFlight.delete(terminalId);
        throw error;
      },
    );
    this.#inFlight.set(terminalId, fetching);
    return fetching;
  }

  /** Stores a context the caller just received (sign-in), unless an even newer one is cached. */
  put(context: TerminalContext): void {
    const cached = this.#entries.get(context.terminalId)?.context;
    if (cached !== undefined && cached.contextVersion > context.contextVersion) return;
    this.#store(context.terminalId, context);
  }

  invalidate(terminalId: string): void {
    this.#entries.delete(terminalId);
  }

  #store(terminalId: string, context: TerminalContext | undefined): void {
    this.#entries.delete(terminalId);
    this.#entries.set(terminalId, { context, fetchedAtMs: this.#now() });
    // Map keeps insertion order, so the first key is the least recently stored.
    while (this.#entries.size > this.#entriesMax) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    assert(this.#entries.size <= this.#entriesMax, 'cache bound holds');
  }
}
