/**
 * Consumes authorization.events as the safety net for reservations: the authorization service
 * settles them directly (SettleReservations), but a call lost to a crash or a network fault would
 * leave counters wrong until the sweeper (unconfirmed) or forever (a reversed approval). The events
 * are durable and at-least-once; confirm and release are idempotent, so applying both paths is
 * harmless. A consumer batch becomes one pipelined round of Redis scripts.
 */
import { AuthorizationEvent, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { reservationIdOf } from '../domain/assessment.ts';
import type { RedisCounters } from '../store/redis-counters.ts';
import { type ReservationSettlement, type SettledCounts, settleReservations } from './settle-reservations.ts';

export const AUTHORIZATION_EVENTS_TOPIC = 'authorization.events';

export type ReservationEffect = ReservationSettlement | { kind: 'none' };

export function reservationEffectOf(event: AuthorizationEvent): ReservationEffect {
  switch (event.type) {
    case TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED:
      return event.txnId === '' ? { kind: 'none' } : { kind: 'confirm', reservationId: reservationIdOf(event.txnId) };
    case TransactionEventType.TRANSACTION_EVENT_TYPE_DECLINED:
      return event.txnId === ''
        ? { kind: 'none' }
        : { kind: 'release', reservationId: reservationIdOf(event.txnId), reason: 'declined_upstream' };
    case TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED:
      return event.originalTxnId === ''
        ? { kind: 'none' }
        : { kind: 'release', reservationId: reservationIdOf(event.originalTxnId), reason: 'reversed' };
    case TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED:
      return event.originalTxnId === ''
        ? { kind: 'none' }
        : { kind: 'release', reservationId: reservationIdOf(event.originalTxnId), reason: 'voided' };
    default:
      return { kind: 'none' };
  }
}

/** Applies a batch of encoded events in order; returns each event's effect and what changed. */
export async function applyAuthorizationEvents(
  counters: RedisCounters,
  payloads: readonly Uint8Array[],
): Promise<{ effects: ReservationEffect[]; settled: SettledCounts }> {
  const effects = payloads.map((payload) => reservationEffectOf(AuthorizationEvent.decode(payload)));
  const settlements = effects.filter((effect): effect is ReservationSettlement => effect.kind !== 'none');
  return { effects, settled: await settleReservations(counters, settlements) };
}
