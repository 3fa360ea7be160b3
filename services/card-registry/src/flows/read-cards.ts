/** Reads: the card a payout goes to (with the clear account number, for settlement only), views, changes. */
import { assert } from '@acq/assert';
import { nextChangeAllowedAtMs } from '../domain/change-policy.ts';
import { isChangeState } from '../domain/change-state.ts';
import { invalidArgument, notFound } from '../domain/refusals.ts';
import { LIMITS } from '../limits.ts';
import { SEAL_PURPOSE } from '../store/card-cipher.ts';
import { findActiveCard, findCardActiveAt, readMerchantState, type SettlementCardRecord } from '../store/card-store.ts';
import { type CardChangeRecord, type ChangeStep, findChange, listChanges, listSteps } from '../store/change-store.ts';
import type { CardRegistryDeps } from './ports.ts';

export type PayoutCard = { readonly card: SettlementCardRecord; readonly accountNumber: string };

/** The card active when the payout started (`asOfMs`, 0 = now): a later change never redirects it. */
export async function getActiveSettlementCard(
  deps: CardRegistryDeps,
  merchantId: string,
  asOfMs: number,
): Promise<PayoutCard> {
  const nowMs = deps.nowMs();
  if (asOfMs > nowMs) throw invalidArgument('AS_OF_IN_FUTURE', 'asOfMs cannot be later than now');
  const card = await findCardActiveAt(deps.pool, merchantId, asOfMs === 0 ? nowMs : asOfMs);
  if (card === undefined) throw notFound('NO_SETTLEMENT_CARD', 'the merchant had no active settlement card then');
  const accountNumber = deps.cipher.open(card.accountNumberSealed, SEAL_PURPOSE.accountNumber);
  assert(deps.cipher.cardToken(accountNumber) === card.cardToken, 'the sealed number matches its token');
  return { card, accountNumber };
}

export type CardView = { readonly card: SettlementCardRecord; readonly nextChangeAllowedAtMs: number };

export async function getSettlementCard(deps: CardRegistryDeps, merchantId: string): Promise<CardView> {
  const card = await findActiveCard(deps.pool, merchantId);
  if (card === undefined) throw notFound('NO_SETTLEMENT_CARD', 'the merchant has no active settlement card');
  const state = await readMerchantState(deps.pool, merchantId);
  assert(state !== undefined, 'a merchant with a card has a state row');
  return {
    card,
    nextChangeAllowedAtMs: nextChangeAllowedAtMs(state.lastChangeActivatedAtMs, deps.settings.changeCooldownMs),
  };
}

export type ChangeView = { readonly change: CardChangeRecord; readonly steps: readonly ChangeStep[] };

export async function getCardChange(deps: CardRegistryDeps, changeId: string): Promise<ChangeView> {
  const change = await findChange(deps.pool, changeId, 'none');
  if (change === undefined) throw notFound('CHANGE_NOT_FOUND', 'no settlement-card change has this id');
  return { change, steps: await listSteps(deps.pool, changeId, LIMITS.changeStepsShownMax) };
}

export async function listCardChanges(
  deps: CardRegistryDeps,
  filter: { readonly state: string; readonly merchantId: string; readonly limit: number },
): Promise<CardChangeRecord[]> {
  if (filter.state !== '' && !isChangeState(filter.state))
    throw invalidArgument('STATE_INVALID', 'unknown change state');
  const limit = filter.limit <= 0 ? LIMITS.listRowsMax : Math.min(filter.limit, LIMITS.listRowsMax);
  return listChanges(deps.pool, { state: filter.state, merchantId: filter.merchantId, limit });
}
