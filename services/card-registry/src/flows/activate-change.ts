/**
 * The end of a change: the new card becomes active and the old one is retired at the same instant
 * (payouts that started before keep the old card version, those after get the new one), T0 is
 * suspended after a change, the event goes out in the same transaction, and the merchant gets an SMS.
 * A card already active for another merchant is held for an operator instead (one card paid for two
 * merchants is how money is redirected).
 */
import { assert } from '@acq/assert';
import { writeOutboxEvents } from '@acq/bus';
import { withTransaction } from '@acq/db';
import { newId, ID_PREFIX } from '../domain/ids.ts';
import { activateCard, findActiveCard, lockCardToken, otherMerchantsWithActiveCard } from '../store/card-store.ts';
import { SEAL_PURPOSE } from '../store/card-cipher.ts';
import { type CardChangeRecord, findChange, recordStep } from '../store/change-store.ts';
import { stepBy, type LockedChange } from './change-steps.ts';
import { cardActivatedEvent } from './events.ts';
import { type Actor, type CardRegistryDeps, SYSTEM_ACTOR } from './ports.ts';

export const REVIEW_REASON_CARD_SHARED = 'CARD_ACTIVE_FOR_OTHER_MERCHANT';

export async function activateLockedChange(
  deps: CardRegistryDeps,
  locked: LockedChange,
  change: CardChangeRecord,
  actor: Actor,
  review: 'check_shared_card' | 'reviewed',
): Promise<CardChangeRecord> {
  const { client, nowMs } = locked;
  assert(change.state === 'agreement_signed' || change.state === 'under_review', 'only a verified change activates');
  await lockCardToken(client, change.cardToken);
  if (
    review === 'check_shared_card' &&
    (await otherMerchantsWithActiveCard(client, change.cardToken, change.merchantId)) > 0
  ) {
    return recordStep(
      client,
      change,
      'under_review',
      { reviewReason: REVIEW_REASON_CARD_SHARED },
      stepBy(actor, 'held_for_review', REVIEW_REASON_CARD_SHARED, nowMs),
    );
  }
  const previous = await findActiveCard(client, change.merchantId);
  const suspensionMs = deps.settings.t0SuspensionMs;
  const t0SuspendedUntilMs = previous === undefined || suspensionMs === 0 ? 0 : nowMs + suspensionMs;
  const { card, retired } = await activateCard(
    client,
    locked.merchantState,
    {
      cardId: newId(ID_PREFIX.card),
      merchantId: change.merchantId,
      cardToken: change.cardToken,
      accountNumberSealed: change.accountNumberSealed,
      accountNumberMasked: change.accountNumberMasked,
      holderName: change.holderName,
      bankCode: change.bankCode,
      bankName: change.bankName,
      accountKind: change.accountKind,
      changeId: change.changeId,
      activeFromMs: nowMs,
      t0SuspendedUntilMs,
    },
    previous !== undefined,
  );
  assert(retired?.cardId === previous?.cardId, 'the card retired is the one that was active');
  const activated = await recordStep(
    client,
    change,
    'active',
    { cardId: card.cardId, t0SuspendedUntilMs },
    stepBy(actor, 'activated', `card version ${card.cardVersion}`, nowMs),
  );
  await writeOutboxEvents(client, [cardActivatedEvent(card, retired, nowMs)]);
  return activated;
}

/** After the activation committed: tell the merchant on the bank-registered phone, and record whether it went. */
export async function notifyActivated(deps: CardRegistryDeps, change: CardChangeRecord): Promise<CardChangeRecord> {
  if (change.state !== 'active') return change;
  const phone = deps.cipher.open(change.phoneSealed, SEAL_PURPOSE.phone);
  const lastDigits = change.accountNumberMasked.slice(-4);
  const text = `【收单平台】您的结算卡已变更为${change.bankName}尾号${lastDigits}的借记卡,之后的结算将付至该卡。如非本人操作请立即联系客服。`;
  const outcome = await deps.notifications.sendSms(phone, text);
  if (outcome.kind === 'unavailable')
    deps.logger.warn({ changeId: change.changeId, reason: outcome.reason }, 'card change notification not delivered');
  return withTransaction(deps.pool, async (client) => {
    const current = await findChange(client, change.changeId, 'for_update');
    assert(current !== undefined && current.state === 'active', 'an active change stays active');
    const action = outcome.kind === 'sent' ? 'notified' : 'notification_failed';
    const detail = outcome.kind === 'sent' ? change.phoneMasked : outcome.reason;
    return recordStep(client, current, 'active', {}, stepBy(SYSTEM_ACTOR, action, detail, deps.nowMs()));
  });
}
