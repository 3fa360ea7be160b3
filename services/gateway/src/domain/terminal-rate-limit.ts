/**
 * Requests per terminal: a token bucket per terminal id, checked after the MAC verified (so a
 * forged terminal id cannot throttle the real terminal). A real POS sends one request every few
 * seconds; the limit is far above that and stops only a runaway or hostile terminal. Reversals are
 * never throttled: refusing one would leave money taken.
 */
import { assert } from '@acq/assert';

export interface TerminalRateLimitOptions {
  /** Sustained requests per second one terminal may send. */
  requestsPerSecond: number;
  /** Requests a quiet terminal may send at once before the sustained rate applies. */
  burst: number;
  /** Terminals tracked at once; the least recently seen is forgotten past it (memory bound). */
  terminalsMax: number;
}

interface Bucket {
  tokens: number;
  refilledAtMs: number;
}

export class TerminalRateLimit {
  readonly #options: TerminalRateLimitOptions;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: TerminalRateLimitOptions) {
    assert(options.requestsPerSecond > 0 && options.burst >= 1, 'a rate limit lets some requests through');
    assert(options.terminalsMax > 0, 'the bucket table has a bound');
    this.#options = options;
  }

  /** Takes one token for the terminal; false when its bucket is empty (the request is refused). */
  tryTake(terminalId: string, nowMs: number): boolean {
    const bucket = this.#bucketOf(terminalId, nowMs);
    const elapsedMs = Math.max(0, nowMs - bucket.refilledAtMs);
    bucket.tokens = Math.min(this.#options.burst, bucket.tokens + (elapsedMs / 1000) * this.#options.requestsPerSecond);
    bucket.refilledAtMs = nowMs;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get trackedTerminals(): number {
    return this.#buckets.size;
  }

  #bucketOf(terminalId: string, nowMs: number): Bucket {
    const existing = this.#buckets.get(terminalId);
    if (existing !== undefined) {
      // Re-inserting keeps the map in least-recently-seen order for eviction.
      this.#buckets.delete(terminalId);
      this.#buckets.set(terminalId, existing);
      return existing;
    }
    if (this.#buckets.size >= this.#options.terminalsMax) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    const fresh = { tokens: this.#options.burst, refilledAtMs: nowMs };
    this.#buckets.set(terminalId, fresh);
    return fresh;
  }
}
