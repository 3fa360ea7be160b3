/**
 * Confirms and releases applied as one batch: every Redis script is issued before the first answer
 * is awaited, so the connection's auto-pipelining sends the whole batch in one write, and the
 * commands reach Redis in the order given (an approval's confirm ahead of its reversal's release).
 */
import { assert } from '@acq/assert';
import { RESERVATION_SETTLEMENTS_PER_BATCH_MAX } from '../limits.ts';
import type { RedisCounters } from '../store/redis-counters.ts';

export type ReservationSettlement =
  | { kind: 'confirm'; reservationId: string }
  | { kind: 'release'; reservationId: string; reason: string };

export interface SettledCounts {
  confirmedCount: number;
  releasedCount: number;
}

export async function settleReservations(
  counters: RedisCounters,
  settlements: readonly ReservationSettlement[],
): Promise<SettledCounts> {
  assert(settlements.length <= RESERVATION_SETTLEMENTS_PER_BATCH_MAX, 'settlement batches are bounded');
  const applied = settlements.map((settlement) =>
    settlement.kind === 'confirm'
      ? counters.confirm(settlement.reservationId)
      : counters.release(settlement.reservationId, settlement.reason),
  );
  const changed = await Promise.all(applied);
  let confirmedCount = 0;
  let releasedCount = 0;
  for (const [index, settlement] of settlements.entries()) {
    if (changed[index] !== true) continue;
    if (settlement.kind === 'confirm') confirmedCount += 1;
    else releasedCount += 1;
  }
  return { confirmedCount, releasedCount };
}
