/**
 * Unbinding the active card. A merchant always keeps one card to be paid to (changing it is the way to
 * replace it), so a merchant's unbind is refused with NO_OTHER_CARD; an operator may unbind with a reason
 * (fraud, closed merchant), after which payouts wait for a new card. Every attempt is audited.
 */
import { writeOutboxEvents } from '@acq/bus';
import { withTransaction } from '@acq/db';
import { conflict, invalidArgument, notFound, RefusalError } from '../domain/refusals.ts';
import { appendAudit } from '../store/audit-store.ts';
import { findActiveCard, lockMerchantState, type SettlementCardRecord, unbindActiveCard } from '../store/card-store.ts';
import { cardUnboundEvent } from './events.ts';
import type { Actor, CardRegistryDeps } from './ports.ts';

export async function unbindSettlementCard(
  deps: CardRegistryDeps,
  merchantId: string,
  reason: string,
  actor: Actor,
): Promise<SettlementCardRecord> {
  try {
    if (reason.length === 0 || reason.length > 500)
      throw invalidArgument('REASON_REQUIRED', 'an unbind records its reason');
    return await withTransaction(deps.pool, async (client) => {
      const nowMs = deps.nowMs();
      await lockMerchantState(client, merchantId, nowMs);
      const active = await findActiveCard(client, merchantId);
      if (active === undefined) throw notFound('NO_SETTLEMENT_CARD', 'the merchant has no active settlement card');
      if (actor.role !== 'operator')
        throw conflict(
          'NO_OTHER_CARD',
          'the merchant has no other card to be paid to; change the card instead of unbinding it',
        );
      const unbound = await unbindActiveCard(client, merchantId, nowMs);
      if (unbound === undefined) throw notFound('NO_SETTLEMENT_CARD', 'the merchant has no active settlement card');
      await writeOutboxEvents(client, [cardUnboundEvent(unbound, reason, nowMs)]);
      await appendAudit(client, auditOf(merchantId, 'unbound', unbound.accountNumberMasked, actor, nowMs));
      return unbound;
    });
  } catch (error) {
    if (error instanceof RefusalError)
      await appendAudit(deps.pool, auditOf(merchantId, error.refusal.code, '', actor, deps.nowMs()));
    throw error;
  }
}

function auditOf(merchantId: string, outcome: string, masked: string, actor: Actor, atMs: number) {
  return {
    merchantId,
    action: 'unbind' as const,
    outcome,
    accountNumberMasked: masked,
    actorSubject: actor.subject,
    actorRole: actor.role,
    atMs,
  };
}
