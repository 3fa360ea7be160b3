/** Merchant reads and operator changes: status (freeze, close), fee plan override, T0 flag. */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { defaultFeePlanForMcc, type FeePlan, feePlanProblems, sameFeePlan } from '../domain/fee-plans.ts';
import { type MerchantStatus, merchantStatusChangeAllowed } from '../domain/terminal-rules.ts';
import { recordAction } from '../store/action-log.ts';
import { findApplicationOfMerchant } from '../store/application-store.ts';
import { findMerchant, updateMerchantFeePlan, updateMerchantStatus } from '../store/merchant-store.ts';
import type { Queryable } from '../store/queryable.ts';
import type { MerchantRecord } from '../store/records.ts';
import { merchantChangedEvent } from './events.ts';
import { SEAL_PURPOSE } from './onboarding.ts';
import type { Actor, MerchantDeps } from './ports.ts';
import { conflict, invalidArgument, notFound } from './refuse.ts';

export const STATUS_REASON_CHARS_MAX = 500;

export async function requireMerchant(
  db: Queryable,
  merchantId: string,
  lock: 'for_update' | 'for_share' | 'none',
): Promise<MerchantRecord> {
  const merchant = await findMerchant(db, merchantId, lock);
  if (merchant === undefined) throw notFound('MERCHANT_NOT_FOUND', 'no such merchant');
  return merchant;
}

export function getMerchant(deps: MerchantDeps, merchantId: string): Promise<MerchantRecord> {
  return requireMerchant(deps.pool, merchantId, 'none');
}

export async function setMerchantStatus(
  deps: MerchantDeps,
  change: { merchantId: string; status: MerchantStatus; reason: string; actor: Actor },
): Promise<MerchantRecord> {
  const reason = change.reason.trim();
  if (reason === '' || reason.length > STATUS_REASON_CHARS_MAX) {
    throw invalidArgument(
      'INVALID_REASON',
      `a status change needs a reason of 1..${STATUS_REASON_CHARS_MAX} characters`,
    );
  }
  return withTransaction(deps.pool, async (client) => {
    const merchant = await requireMerchant(client, change.merchantId, 'for_update');
    if (!merchantStatusChangeAllowed(merchant.status, change.status)) {
      throw conflict(
        'MERCHANT_STATUS_CHANGE_NOT_ALLOWED',
        `merchant is ${merchant.status}; cannot become ${change.status}`,
      );
    }
    const updated = await updateMerchantStatus(client, change.merchantId, change.status, reason);
    await recordAction(client, {
      entityKind: 'merchant',
      entityId: change.merchantId,
      action: 'set_status',
      actor: change.actor,
      detail: { from: merchant.status, to: change.status, reason },
    });
    await deps.writeOutboxEvents(client, [merchantChangedEvent(updated, 'status_changed', deps.nowMs())]);
    return updated;
  });
}

/** Sets an override plan, or (plan undefined) returns the merchant to its MCC category's default. */
export async function setMerchantFeePlan(
  deps: MerchantDeps,
  change: { merchantId: string; plan: FeePlan | undefined; actor: Actor },
): Promise<MerchantRecord> {
  if (change.plan !== undefined) {
    const problems = feePlanProblems(change.plan);
    if (problems.length > 0) throw invalidArgument('INVALID_FEE_PLAN', problems.join('; '));
  }
  return withTransaction(deps.pool, async (client) => {
    const merchant = await requireMerchant(client, change.merchantId, 'for_update');
    if (merchant.status === 'closed') throw conflict('MERCHANT_CLOSED', 'merchant is closed');
    const standard = defaultFeePlanForMcc(merchant.mcc);
    assert(standard !== undefined, 'a merchant carries a known MCC');
    const plan = change.plan ?? standard;
    const updated = await updateMerchantFeePlan(client, change.merchantId, plan, !sameFeePlan(plan, standard));
    await recordAction(client, {
      entityKind: 'merchant',
      entityId: change.merchantId,
      action: 'set_fee_plan',
      actor: change.actor,
      detail: {
        category: plan.category,
        debitRateUnits: plan.debitRateUnits.toString(),
        debitCapFen: plan.debitCapFen.toString(),
        creditRateUnits: plan.creditRateUnits.toString(),
        t0RateUnits: plan.t0RateUnits.toString(),
        t0FixedFen: plan.t0FixedFen.toString(),
        t0SingleLimitFen: plan.t0SingleLimitFen?.toString() ?? 'default',
        t0DailyQuotaFen: plan.t0DailyQuotaFen?.toString() ?? 'default',
      },
    });
    await deps.writeOutboxEvents(client, [merchantChangedEvent(updated, 'fee_plan_changed', deps.nowMs())]);
    return updated;
  });
}

/** The card registry's handover: the requested settlement card of an approved application, opened. */
export async function getRequestedSettlementCard(deps: MerchantDeps, merchantId: string) {
  const merchant = await requireMerchant(deps.pool, merchantId, 'none');
  const application = await findApplicationOfMerchant(deps.pool, merchantId);
  assert(application !== undefined, 'every merchant comes from an approved application');
  assert(application.status === 'approved', 'the application of a merchant is approved');
  return {
    merchantId,
    cardNumber: deps.cipher.open(application.settlementCardSealed, SEAL_PURPOSE.settlementCard),
    holderName: application.legalName,
    idNumber: deps.cipher.open(application.idNumberSealed, SEAL_PURPOSE.idNumber),
    phone: application.phone,
    merchantType: merchant.merchantType,
  };
}
