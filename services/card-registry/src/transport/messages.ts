/** Store records to card_registry.proto messages. Only masked card data leaves through these. */
import { assert } from '@acq/assert';
import type { ActiveSettlementCard, CardChange, SettlementCard } from '@acq/proto/card_registry/v1/card_registry.ts';
import type { PayoutCard } from '../flows/read-cards.ts';
import type { CardRegistrySettings } from '../flows/ports.ts';
import type { SettlementCardRecord } from '../store/card-store.ts';
import type { CardChangeRecord, ChangeStep } from '../store/change-store.ts';

export function settlementCardMessage(card: SettlementCardRecord, nextChangeAllowedAtMs: number): SettlementCard {
  return {
    merchantId: card.merchantId,
    cardId: card.cardId,
    cardVersion: card.cardVersion,
    accountNumberMasked: card.accountNumberMasked,
    holderName: card.holderName,
    bankCode: card.bankCode,
    bankName: card.bankName,
    accountKind: card.accountKind,
    status: card.status,
    activeFromMs: BigInt(card.activeFromMs),
    retiredAtMs: BigInt(card.retiredAtMs),
    t0SuspendedUntilMs: BigInt(card.t0SuspendedUntilMs),
    nextChangeAllowedAtMs: BigInt(nextChangeAllowedAtMs),
  };
}

export function activeSettlementCardMessage(payoutCard: PayoutCard): ActiveSettlementCard {
  const card = payoutCard.card;
  assert(payoutCard.accountNumber.endsWith(card.accountNumberMasked.slice(-4)), 'the number matches its mask');
  return {
    merchantId: card.merchantId,
    cardId: card.cardId,
    cardVersion: card.cardVersion,
    accountNumber: payoutCard.accountNumber,
    accountNumberMasked: card.accountNumberMasked,
    cardToken: card.cardToken,
    holderName: card.holderName,
    bankCode: card.bankCode,
    bankName: card.bankName,
    accountKind: card.accountKind,
    activeFromMs: BigInt(card.activeFromMs),
    t0SuspendedUntilMs: BigInt(card.t0SuspendedUntilMs),
  };
}

function remaining(max: number, used: number): number {
  return Math.max(0, max - used);
}

export function cardChangeMessage(
  change: CardChangeRecord,
  steps: readonly ChangeStep[],
  settings: CardRegistrySettings,
): CardChange {
  return {
    changeId: change.changeId,
    merchantId: change.merchantId,
    kind: change.kind,
    state: change.state,
    accountNumberMasked: change.accountNumberMasked,
    holderName: change.holderName,
    bankName: change.bankName,
    phoneMasked: change.phoneMasked,
    verificationMethod: change.verificationMethod,
    failureCode: change.failureCode,
    failureMessage: change.failureMessage,
    smsCodeExpiresAtMs: BigInt(change.smsCodeExpiresAtMs),
    smsAttemptsRemaining: remaining(settings.smsAttemptsMax, change.smsAttempts),
    agreementVersionRequired: settings.agreementVersion,
    agreementVersionSigned: change.agreementVersion,
    agreementSignedAtMs: BigInt(change.agreementSignedAtMs),
    verificationAttemptsRemaining: remaining(settings.verificationAttemptsMax, change.verificationAttempts),
    reviewReason: change.reviewReason,
    createdAtMs: BigInt(change.createdAtMs),
    updatedAtMs: BigInt(change.updatedAtMs),
    cardId: change.cardId ?? '',
    t0SuspendedUntilMs: BigInt(change.t0SuspendedUntilMs),
    steps: steps.map((step) => ({
      fromState: step.fromState,
      toState: step.toState,
      action: step.action,
      actorSubject: step.actorSubject,
      actorRole: step.actorRole,
      detail: step.detail,
      atMs: BigInt(step.atMs),
    })),
  };
}
