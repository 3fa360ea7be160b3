/**
 * T0 enablement (seed 001): a merchant applies, an operator approves or rejects; approval sets the
 * merchant's t0_enabled flag that settlement honours. Operators can also switch T0 off (risk, overdue bills).
 */
import { withTransaction } from '@acq/db';
import { ID_PREFIX, newId } from '../domain/ids.ts';
import { recordAction } from '../store/action-log.ts';
import { updateMerchantT0 } from '../store/merchant-store.ts';
import { decideT0Application, findT0Application, insertT0Application } from '../store/t0-store.ts';
import { merchantChangedEvent } from './events.ts';
import { requireMerchant, STATUS_REASON_CHARS_MAX } from './merchants.ts';
import type { Actor, MerchantDeps } from './ports.ts';
import { conflict, duplicate, invalidArgument, notFound } from './refuse.ts';

export async function submitT0Application(deps: MerchantDeps, merchantId: string, actor: Actor) {
  return withTransaction(deps.pool, async (client) => {
    const merchant = await requireMerchant(client, merchantId, 'for_share');
    if (merchant.status !== 'active') throw conflict('MERCHANT_NOT_ACTIVE', `merchant is ${merchant.status}`);
    if (merchant.t0Enabled) throw conflict('T0_ALREADY_ENABLED', 'T0 is already enabled for this merchant');
    const application = await insertT0Application(client, {
      t0ApplicationId: newId(ID_PREFIX.t0Application),
      merchantId,
      submittedBy: actor.subject,
    });
    if (application === undefined) throw duplicate('DUPLICATE_T0_APPLICATION', 'a T0 application is already open');
    await recordAction(client, {
      entityKind: 't0_application',
      entityId: application.t0ApplicationId,
      action: 'submit',
      actor,
      detail: { merchantId },
    });
    return application;
  });
}

async function lockOpenT0Application(client: Parameters<typeof findT0Application>[0], t0ApplicationId: string) {
  const application = await findT0Application(client, t0ApplicationId, 'for_update');
  if (application === undefined) throw notFound('T0_APPLICATION_NOT_FOUND', 'no such T0 application');
  if (application.status !== 'submitted')
    throw conflict('T0_APPLICATION_ALREADY_DECIDED', `T0 application is ${application.status}`);
  return application;
}

export async function approveT0Application(deps: MerchantDeps, t0ApplicationId: string, actor: Actor) {
  return withTransaction(deps.pool, async (client) => {
    const application = await lockOpenT0Application(client, t0ApplicationId);
    const merchant = await requireMerchant(client, application.merchantId, 'for_update');
    if (merchant.status !== 'active') throw conflict('MERCHANT_NOT_ACTIVE', `merchant is ${merchant.status}`);
    const decided = await decideT0Application(client, {
      t0ApplicationId,
      status: 'approved',
      reviewedBy: actor.subject,
      reason: '',
    });
    const updated = await updateMerchantT0(client, merchant.merchantId, true);
    await recordAction(client, {
      entityKind: 't0_application',
      entityId: t0ApplicationId,
      action: 'approve',
      actor,
      detail: {},
    });
    await deps.writeOutboxEvents(client, [merchantChangedEvent(updated, 't0_enabled', deps.nowMs())]);
    return decided;
  });
}

export async function rejectT0Application(deps: MerchantDeps, t0ApplicationId: string, reason: string, actor: Actor) {
  const trimmed = reason.trim();
  if (trimmed === '' || trimmed.length > STATUS_REASON_CHARS_MAX) {
    throw invalidArgument('INVALID_REASON', `a rejection needs a reason of 1..${STATUS_REASON_CHARS_MAX} characters`);
  }
  return withTransaction(deps.pool, async (client) => {
    await lockOpenT0Application(client, t0ApplicationId);
    const decided = await decideT0Application(client, {
      t0ApplicationId,
      status: 'rejected',
      reviewedBy: actor.subject,
      reason: trimmed,
    });
    await recordAction(client, {
      entityKind: 't0_application',
      entityId: t0ApplicationId,
      action: 'reject',
      actor,
      detail: { reason: trimmed },
    });
    return decided;
  });
}

export async function disableT0(deps: MerchantDeps, merchantId: string, reason: string, actor: Actor) {
  const trimmed = reason.trim();
  if (trimmed === '') throw invalidArgument('INVALID_REASON', 'switching T0 off needs a reason');
  return withTransaction(deps.pool, async (client) => {
    const merchant = await requireMerchant(client, merchantId, 'for_update');
    if (!merchant.t0Enabled) throw conflict('T0_NOT_ENABLED', 'T0 is not enabled for this merchant');
    const updated = await updateMerchantT0(client, merchantId, false);
    await recordAction(client, {
      entityKind: 'merchant',
      entityId: merchantId,
      action: 'disable_t0',
      actor,
      detail: { reason: trimmed },
    });
    await deps.writeOutboxEvents(client, [merchantChangedEvent(updated, 't0_disabled', deps.nowMs())]);
    return updated;
  });
}
