/** The card_registry.events outbox rows (key = merchant id, so consumers see one merchant in order). */
import { assert } from '@acq/assert';
import { newEventId, type OutboxEventInput } from '@acq/bus';
import {
  CardChangeFailed,
  SettlementCardBound,
  SettlementCardChanged,
  SettlementCardUnbound,
} from '@acq/proto/card_registry/v1/card_registry.ts';
import type { SettlementCardRecord } from '../store/card-store.ts';
import type { CardChangeRecord } from '../store/change-store.ts';

export const CARD_REGISTRY_EVENTS_TOPIC = 'card_registry.events';
/** Bus event types are the fully qualified protobuf message names. */
export const EVENT_TYPE = {
  bound: 'acquirer.card_registry.v1.SettlementCardBound',
  changed: 'acquirer.card_registry.v1.SettlementCardChanged',
  failed: 'acquirer.card_registry.v1.CardChangeFailed',
  unbound: 'acquirer.card_registry.v1.SettlementCardUnbound',
} as const;

function event(type: string, merchantId: string, id: string, payload: Uint8Array, nowMs: number): OutboxEventInput {
  return { id, topic: CARD_REGISTRY_EVENTS_TOPIC, key: merchantId, type, payload, occurredAt: new Date(nowMs) };
}

/** Bound when the merchant had no card before, Changed when `previous` was retired for it. */
export function cardActivatedEvent(
  card: SettlementCardRecord,
  previous: SettlementCardRecord | undefined,
  nowMs: number,
): OutboxEventInput {
  const id = newEventId(nowMs);
  if (previous === undefined) {
    const payload = SettlementCardBound.encode({
      eventId: id,
      merchantId: card.merchantId,
      cardId: card.cardId,
      cardVersion: card.cardVersion,
      accountNumberMasked: card.accountNumberMasked,
      cardToken: card.cardToken,
      changeId: card.changeId ?? '',
      occurredAtMs: BigInt(nowMs),
    }).finish();
    return event(EVENT_TYPE.bound, card.merchantId, id, payload, nowMs);
  }
  assert(previous.merchantId === card.merchantId, 'a change stays within one merchant');
  assert(previous.cardVersion < card.cardVersion, 'the new card has the later version');
  const payload = SettlementCardChanged.encode({
    eventId: id,
    merchantId: card.merchantId,
    changeId: card.changeId ?? '',
    cardId: card.cardId,
    cardVersion: card.cardVersion,
    accountNumberMasked: card.accountNumberMasked,
    cardToken: card.cardToken,
    previousCardId: previous.cardId,
    previousCardVersion: previous.cardVersion,
    t0SuspendedUntilMs: BigInt(card.t0SuspendedUntilMs),
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return event(EVENT_TYPE.changed, card.merchantId, id, payload, nowMs);
}

export function changeFailedEvent(change: CardChangeRecord, nowMs: number): OutboxEventInput {
  assert(change.state === 'failed', 'only a failed change is announced as failed');
  const id = newEventId(nowMs);
  const payload = CardChangeFailed.encode({
    eventId: id,
    merchantId: change.merchantId,
    changeId: change.changeId,
    kind: change.kind,
    failureCode: change.failureCode,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return event(EVENT_TYPE.failed, change.merchantId, id, payload, nowMs);
}

export function onboardingBindFailedEvent(merchantId: string, failureCode: string, nowMs: number): OutboxEventInput {
  const id = newEventId(nowMs);
  const payload = CardChangeFailed.encode({
    eventId: id,
    merchantId,
    changeId: '',
    kind: 'bind',
    failureCode,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return event(EVENT_TYPE.failed, merchantId, id, payload, nowMs);
}

export function cardUnboundEvent(card: SettlementCardRecord, reason: string, nowMs: number): OutboxEventInput {
  assert(card.status === 'unbound', 'only an unbound card is announced as unbound');
  const id = newEventId(nowMs);
  const payload = SettlementCardUnbound.encode({
    eventId: id,
    merchantId: card.merchantId,
    cardId: card.cardId,
    cardVersion: card.cardVersion,
    reason,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return event(EVENT_TYPE.unbound, card.merchantId, id, payload, nowMs);
}
