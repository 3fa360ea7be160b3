/**
 * Identities a transaction gets on arrival: a time-ordered `auth_` id, the retrieval reference
 * number (field 37, n12) and the CUP business date (Asia/Shanghai calendar day).
 */
import { randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';

/** Random bytes drawn from the system per refill: one call serves 512 transaction ids. */
const RANDOM_POOL_BYTES = 4_096;
const TXN_ID_RANDOM_BYTES = 8;

/** RRN layout: instance (2 digits) + seconds within a 10^6 s cycle (6) + sequence within the second (4). */
const RRN_SEQUENCE_PER_SECOND_MAX = 10_000;
const RRN_SECONDS_CYCLE = 1_000_000;

export class TransactionIdentities {
  readonly #instanceId: string;
  #lastRrnSlot = 0;
  // A small randomBytes call per transaction cost more than the rest of the id; draw them in bulk.
  #randomPool = Buffer.alloc(0);
  #randomOffset = 0;

  constructor(instanceId: number) {
    assert(Number.isInteger(instanceId) && instanceId >= 0 && instanceId <= 99, 'instance ids are 0..99');
    this.#instanceId = String(instanceId).padStart(2, '0');
  }

  nextTxnId(nowMs: number): string {
    return `auth_${nowMs.toString(36).padStart(9, '0')}${this.#randomHex(TXN_ID_RANDOM_BYTES)}`;
  }

  #randomHex(byteCount: number): string {
    if (this.#randomOffset + byteCount > this.#randomPool.length) {
      this.#randomPool = randomBytes(RANDOM_POOL_BYTES);
      this.#randomOffset = 0;
    }
    const hex = this.#randomPool.toString('hex', this.#randomOffset, this.#randomOffset + byteCount);
    this.#randomOffset += byteCount;
    return hex;
  }

  /**
   * Unique per instance within an 11.5-day cycle at up to 10,000 per second; a burst above that
   * borrows the next second's slots, so uniqueness never depends on the clock alone.
   */
  nextRrn(nowMs: number): string {
    const slotNow = Math.floor(nowMs / 1000) * RRN_SEQUENCE_PER_SECOND_MAX;
    this.#lastRrnSlot = Math.max(slotNow, this.#lastRrnSlot + 1);
    const withinCycle = this.#lastRrnSlot % (RRN_SECONDS_CYCLE * RRN_SEQUENCE_PER_SECOND_MAX);
    const rrn = `${this.#instanceId}${String(withinCycle).padStart(10, '0')}`;
    assert(rrn.length === 12, 'an RRN is 12 characters');
    return rrn;
  }
}

export function businessDateOf(nowMs: number, offsetMinutes: number): string {
  assert(Math.abs(offsetMinutes) <= 14 * 60, 'a UTC offset is within 14 hours');
  const local = new Date(nowMs + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  const month = String(local.getUTCMonth() + 1).padStart(2, '0');
  const day = String(local.getUTCDate()).padStart(2, '0');
  return `${year}${month}${day}`;
}
