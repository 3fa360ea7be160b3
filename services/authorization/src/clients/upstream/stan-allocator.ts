/**
 * Network STANs (field 11) for everything this process sends. A STAN stays reserved while its
 * message is in flight and, after a timeout, for the late-response window, so a late answer can
 * never be matched to a newer request that reused the number.
 */
import { assert } from '@acq/assert';

export class StanAllocator {
  readonly #stanMax: number;
  readonly #reserved = new Set<number>();
  #next: number;

  constructor(stanMax: number, firstStan: number) {
    assert(stanMax >= 2 && stanMax <= 999_999, 'STAN range is n6');
    assert(firstStan >= 1 && firstStan <= stanMax, 'first STAN inside the range');
    this.#stanMax = stanMax;
    this.#next = firstStan;
  }

  get reservedCount(): number {
    return this.#reserved.size;
  }

  /** Reserves the next free STAN as six digits; undefined only when the whole range is reserved. */
  allocate(): string | undefined {
    for (let tries = 0; tries < this.#stanMax; tries += 1) {
      const candidate = this.#next;
      this.#next = candidate === this.#stanMax ? 1 : candidate + 1;
      if (!this.#reserved.has(candidate)) {
        this.#reserved.add(candidate);
        return candidate.toString().padStart(6, '0');
      }
    }
    return undefined;
  }

  release(stan: string): void {
    const value = Number.parseInt(stan, 10);
    const removed = this.#reserved.delete(value);
    assert(removed, 'released a STAN that was not reserved');
  }
}
