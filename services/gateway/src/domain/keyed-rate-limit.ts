/**
 * Requests per key: one token bucket per key (a terminal id on the TCP port, an access token's
 * subject at the HTTP edge), always keyed by an identity that was verified first (MAC, token
 * signature), so a forged identity cannot throttle the real one. The table of buckets is bounded:
 * past it the least recently seen key is forgotten (and starts again with a full bucket).
 */
import { assert } from '@acq/assert';

export interface KeyedRateLimitOptions {
  /** Sustained requests per second one key may send. */
  requestsPerSecond: number;
  /** Requests a quiet key may send at once before the sustained rate applies. */
  burst: number;
  /** Keys tracked at once; the least recently seen is forgotten past it (memory bound). */
  keysMax: number;
}

interface Bucket {
  tokens: number;
  refilledAtMs: number;
}

const MS_PER_SECOND = 1000;

export class KeyedRateLimit {
  readonly #options: KeyedRateLimitOptions;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: KeyedRateLimitOptions) {
    assert(options.requestsPerSecond > 0 && options.burst >= 1, 'a rate limit lets some requests through');
    assert(options.keysMax > 0, 'the bucket table has a bound');
    this.#options = options;
  }

  /**
   * Takes one token for the key. Returns 0 when it was taken (the request may go on), else the
   * milliseconds until a token is back (the request is refused; a client retries after that).
   */
  take(key: string, nowMs: number): number {
    const bucket = this.#bucketOf(key, nowMs);
    const { burst, requestsPerSecond } = this.#options;
    const elapsedMs = Math.max(0, nowMs - bucket.refilledAtMs);
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs / MS_PER_SECOND) * requestsPerSecond);
    bucket.refilledAtMs = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * MS_PER_SECOND) / requestsPerSecond));
  }

  get trackedKeys(): number {
    return this.#buckets.size;
  }

  #bucketOf(key: string, nowMs: number): Bucket {
    const existing = this.#buckets.get(key);
    if (existing !== undefined) {
      // Re-inserting keeps the map in least-recently-seen order for eviction.
      this.#buckets.delete(key);
      this.#buckets.set(key, existing);
      return existing;
    }
    if (this.#buckets.size >= this.#options.keysMax) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    const fresh = { tokens: this.#options.burst, refilledAtMs: nowMs };
    this.#buckets.set(key, fresh);
    return fresh;
  }
}
