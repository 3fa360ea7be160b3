/**
 * In-memory cache of terminal contexts in front of merchant GetTerminalContext. Entries are
 * invalidated by merchant.events (TerminalChanged, MerchantChanged) and expire after a TTL as a
 * safety net for lost events; concurrent misses for one terminal share one call. The map is bounded:
 * past its size the oldest entry is evicted (Map iteration order is insertion order).
 */
import { assert } from '@acq/assert';
import type { TerminalContext, TerminalContextLookup } from '../flows/ports.ts';

interface CacheEntry {
  readonly context: TerminalContext;
  readonly expiresAtMs: number;
}

export class TerminalContextCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #loading = new Map<string, Promise<TerminalContextLookup>>();
  /** Highest context version announced per terminal, so a slow load cannot cache stale data. */
  readonly #minimumVersion = new Map<string, bigint>();
  readonly #entriesMax: number;
  readonly #ttlMs: number;
  readonly #nowMs: () => number;

  constructor(options: { entriesMax: number; ttlMs: number; nowMs: () => number }) {
    assert(options.entriesMax >= 1, 'the cache holds at least one entry');
    assert(options.ttlMs >= 1, 'cache entries live at least one millisecond');
    this.#entriesMax = options.entriesMax;
    this.#ttlMs = options.ttlMs;
    this.#nowMs = options.nowMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(terminalId: string, load: () => Promise<TerminalContextLookup>): Promise<TerminalContextLookup> {
    const entry = this.#entries.get(terminalId);
    if (entry !== undefined && entry.expiresAtMs > this.#nowMs()) return { kind: 'found', context: entry.context };
    const inFlight = this.#loading.get(terminalId);
    if (inFlight !== undefined) return inFlight;
    const loading = load().finally(() => this.#loading.delete(terminalId));
    this.#loading.set(terminalId, loading);
    const lookup = await loading;
    if (lookup.kind === 'found') this.#store(lookup.context);
    return lookup;
  }

  /** TerminalChanged: drop the terminal; loads older than `version` will not be cached. */
  invalidateTerminal(terminalId: string, version: bigint): void {
    this.#entries.delete(terminalId);
    const known = this.#minimumVersion.get(terminalId) ?? 0n;
    if (version > known) this.#minimumVersion.set(terminalId, version);
  }

  /** MerchantChanged: drop every terminal of the merchant (status, fee plan, T0 ride on all of them). */
  invalidateMerchant(merchantId: string): number {
    let removed = 0;
    for (const [terminalId, entry] of this.#entries) {
      if (entry.context.merchantId !== merchantId) continue;
      this.#entries.delete(terminalId);
      removed += 1;
    }
    return removed;
  }

  #store(context: TerminalContext): void {
    const minimum = this.#minimumVersion.get(context.terminalId) ?? 0n;
    if (context.contextVersion < minimum) return;
    this.#entries.delete(context.terminalId);
    if (this.#entries.size >= this.#entriesMax) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(context.terminalId, { context, expiresAtMs: this.#nowMs() + this.#ttlMs });
    assert(this.#entries.size <= this.#entriesMax, 'the cache stays within its bound');
  }
}
