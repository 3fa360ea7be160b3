/**
 * The initial bind: when the merchant service announces a merchant created from an approved
 * application, the card the application asked for becomes the settlement card after the same checks a
 * change makes on the card itself (Luhn, debit BIN, same name, ID number) and the shared-card check.
 * Runs inside the consumer's transaction, so the inbox mark, the card and the event commit together; a
 * refused card is announced as CardChangeFailed (kind bind) and the merchant binds one through the
 * change flow.
 */
import { assert } from '@acq/assert';
import { writeOutboxEvents } from '@acq/bus';
import type pg from 'pg';
import { judgeCandidate } from '../domain/change-policy.ts';
import { isCardNumber, maskCardNumber } from '../domain/card-number.ts';
import { ID_PREFIX, newId } from '../domain/ids.ts';
import { appendAudit } from '../store/audit-store.ts';
import { SEAL_PURPOSE } from '../store/card-cipher.ts';
import {
  activateCard,
  findActiveCard,
  lockCardToken,
  lockMerchantState,
  markOnboardingBindHandled,
  otherMerchantsWithActiveCard,
} from '../store/card-store.ts';
import { REVIEW_REASON_CARD_SHARED } from './activate-change.ts';
import { cardActivatedEvent, onboardingBindFailedEvent } from './events.ts';
import { type CardRegistryDeps, SYSTEM_ACTOR } from './ports.ts';

export type OnboardingBindResult = 'bound' | 'already_handled' | 'refused';

export async function bindOnApproval(
  deps: CardRegistryDeps,
  client: pg.PoolClient,
  merchantId: string,
): Promise<OnboardingBindResult> {
  const nowMs = deps.nowMs();
  const state = await lockMerchantState(client, merchantId, nowMs);
  if (state.onboardingBindHandled) return 'already_handled';
  const [identity, requested] = [
    await deps.merchants.identity(merchantId),
    await deps.merchants.requestedCard(merchantId),
  ];
  // The event comes from the merchant service's own commit: a merchant it does not know is a bug there.
  assert(identity !== undefined && requested !== undefined, 'a created merchant has an identity and a requested card');
  await markOnboardingBindHandled(client, merchantId, nowMs);
  const masked = isCardNumber(requested.cardNumber) ? maskCardNumber(requested.cardNumber) : '';
  const audit = (outcome: string) =>
    appendAudit(client, {
      merchantId,
      action: 'onboarding_bind',
      outcome,
      accountNumberMasked: masked,
      actorSubject: SYSTEM_ACTOR.subject,
      actorRole: SYSTEM_ACTOR.role,
      atMs: nowMs,
    });
  if ((await findActiveCard(client, merchantId)) !== undefined) {
    await audit('ALREADY_BOUND');
    return 'already_handled';
  }
  const bin = masked === '' ? undefined : deps.binTable.lookup(requested.cardNumber);
  const verdict = judgeCandidate(identity, requested, bin);
  const refuse = async (code: string): Promise<OnboardingBindResult> => {
    await audit(code);
    await writeOutboxEvents(client, [onboardingBindFailedEvent(merchantId, code, nowMs)]);
    deps.logger.warn({ merchantId, refusalCode: code }, 'onboarding settlement card not bound');
    return 'refused';
  };
  if (!verdict.ok) return refuse(verdict.code);
  const cardToken = deps.cipher.cardToken(requested.cardNumber);
  await lockCardToken(client, cardToken);
  if ((await otherMerchantsWithActiveCard(client, cardToken, merchantId)) > 0) return refuse(REVIEW_REASON_CARD_SHARED);
  const { card, retired } = await activateCard(
    client,
    state,
    {
      cardId: newId(ID_PREFIX.card),
      merchantId,
      cardToken,
      accountNumberSealed: deps.cipher.seal(requested.cardNumber, SEAL_PURPOSE.accountNumber),
      accountNumberMasked: masked,
      holderName: requested.holderName,
      bankCode: verdict.bin.bankCode,
      bankName: verdict.bin.bankName,
      accountKind: verdict.accountKind,
      changeId: null,
      activeFromMs: nowMs,
      t0SuspendedUntilMs: 0,
    },
    false,
  );
  assert(retired === undefined, 'the onboarding bind retires nothing');
  await writeOutboxEvents(client, [cardActivatedEvent(card, undefined, nowMs)]);
  await audit('BOUND');
  return 'bound';
}
