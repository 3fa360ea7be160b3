/**
 * A small deterministic generator (mulberry32) so every fault schedule and fuzz corpus is
 * reproducible from the seed printed in the test output (RELIABILITY_SEED replays a run).
 */
import { assert } from '@acq/assert';

export class SeededRandom {
  #state: number;
  readonly seed: number;

  constructor(seed: number) {
    assert(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32, 'a seed is a 32-bit unsigned integer');
    this.seed = seed;
    this.#state = seed;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let value = this.#state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  }

  /** Uniform integer in [min, max]. */
  integer(min: number, max: number): number {
    assert(Number.isInteger(min) && Number.isInteger(max) && min <= max, 'integer bounds');
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick from a non-empty list');
    return items[this.integer(0, items.length - 1)] as T;
  }

  bytes(count: number): Buffer {
    const out = Buffer.alloc(count);
    for (let index = 0; index < count; index++) out[index] = this.integer(0, 255);
    return out;
  }
}

/** The run's seed: RELIABILITY_SEED when replaying, else derived from the clock and printed. */
export function seedFromEnvironment(): number {
  const fromEnvironment = process.env.RELIABILITY_SEED;
  if (fromEnvironment !== undefined) return Number(fromEnvironment) >>> 0;
  return Date.now() >>> 0;
}
