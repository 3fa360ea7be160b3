/**
 * Consumes authorization.events as the safety net for reservations: the authorization service calls
 * Confirm / Release directly, but a call lost to a crash or a network fault would leave counters
 * wrong until the sweeper (unconfirmed) or forever (a reversed approval). The events are durable and
 * at-least-once; Confirm and Release are idempotent, so applying both paths is harmless.
 */
import { AuthorizationEvent, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { reservationIdOf } from '../domain/assessment.ts';
import type { RedisCounters } from '../store/redis-counters.ts';

export const AUTHORIZATION_EVENTS_TOPIC = 'authorization.events';

export type ReservationEffect =
  | { kind: 'confirm'; reservationId: string }
  | { kind: 'release'; reservationId: string; reason: 'declined_upstream' | 'reversed' | 'voided' }
  | { kind: 'none' };

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

export async function applyAuthorizationEvent(
  counters: RedisCounters,
  payload: Uint8Array,
): Promise<ReservationEffect> {
  const effect = reservationEffectOf(AuthorizationEvent.decode(payload));
  if (effect.kind === 'confirm') await counters.confirm(effect.reservationId);
  if (effect.kind === 'release') await counters.release(effect.reservationId, effect.reason);
  return effect;
}
