/**
 * Onboarding: an application is validated and stored (identity sealed), reviewed, and on approval
 * becomes a merchant with its 15-digit number and the MCC category's fee plan (or an override).
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import {
  type ApplicationInput,
  type ApplicationStatus,
  nextApplicationStatus,
  REJECTION_REASON_CHARS_MAX,
  type ReviewAction,
  validateApplication,
} from '../domain/application.ts';
import { maskCardNumber } from '../domain/bank-card.ts';
import { REFUSAL_CLASS, RefusalError, refusal } from '../domain/errors.ts';
import { defaultFeePlanForMcc, type FeePlan, feePlanProblems, sameFeePlan } from '../domain/fee-plans.ts';
import { ID_PREFIX, newId } from '../domain/ids.ts';
import { buildMerchantNumber, merchantNumberPrefix } from '../domain/merchant-number.ts';
import { maskResidentIdNumber } from '../domain/resident-id.ts';
import { recordAction } from '../store/action-log.ts';
import { findApplication, insertApplication, updateApplicationStatus } from '../store/application-store.ts';
import { insertMerchant, takeMerchantSequence } from '../store/merchant-store.ts';
import type { Queryable } from '../store/queryable.ts';
import type { ApplicationRecord, MerchantRecord } from '../store/records.ts';
import { merchantChangedEvent } from './events.ts';
import type { Actor, MerchantDeps } from './ports.ts';
import { conflict, duplicate, exhausted, invalidArgument, notFound } from './refuse.ts';

export const SEAL_PURPOSE = { idNumber: 'id-number', settlementCard: 'settlement-card' } as const;

export async function submitApplication(deps: MerchantDeps, input: ApplicationInput, actor: Actor) {
  const validation = validateApplication(input, new Date(deps.nowMs()));
  if (!validation.ok) {
    const first = validation.problems[0];
    assert(first !== undefined, 'an invalid application has a problem');
    const message = validation.problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
    throw new RefusalError(refusal(first.code, REFUSAL_CLASS.invalidArgument, message));
  }
  const application = validation.application;
  const stored = await insertApplication(deps.pool, {
    applicationId: newId(ID_PREFIX.application),
    merchantType: application.merchantType,
    legalName: application.legalName,
    idNumberSealed: deps.cipher.seal(application.idNumber, SEAL_PURPOSE.idNumber),
    idNumberFingerprint: deps.cipher.fingerprint(application.idNumber, SEAL_PURPOSE.idNumber),
    idNumberMasked: maskResidentIdNumber(application.idNumber),
    phone: application.phone,
    businessName: application.businessName,
    businessAddress: application.businessAddress,
    areaCode: application.areaCode,
    mcc: application.mcc,
    businessLicenceNumber: application.businessLicenceNumber,
    settlementCardSealed: deps.cipher.seal(application.settlementCardNumber, SEAL_PURPOSE.settlementCard),
    settlementCardMasked: maskCardNumber(application.settlementCardNumber),
    submittedBy: actor.subject,
  });
  if (stored === undefined) {
    throw duplicate('DUPLICATE_APPLICATION', 'an application for this ID number or licence is already open');
  }
  assert(stored.status === 'submitted', 'a new application starts submitted');
  return stored;
}

export async function getApplication(deps: MerchantDeps, applicationId: string): Promise<ApplicationRecord> {
  const application = await findApplication(deps.pool, applicationId, 'none');
  if (application === undefined) throw notFound('APPLICATION_NOT_FOUND', 'no such application');
  return application;
}

async function lockForReview(db: Queryable, applicationId: string, action: ReviewAction) {
  const application = await findApplication(db, applicationId, 'for_update');
  if (application === undefined) throw notFound('APPLICATION_NOT_FOUND', 'no such application');
  const next = nextApplicationStatus(application.status, action);
  if (next === undefined) {
    throw conflict(
      'APPLICATION_ALREADY_DECIDED',
      `application is ${application.status}; cannot ${action.replace('_', ' ')}`,
    );
  }
  return { application, next };
}

export async function startApplicationReview(deps: MerchantDeps, applicationId: string, actor: Actor) {
  return withTransaction(deps.pool, async (client) => {
    const { application, next } = await lockForReview(client, applicationId, 'start_review');
    const updated = await updateApplicationStatus(client, {
      applicationId,
      fromStatus: application.status,
      toStatus: next,
      reviewedBy: actor.subject,
      rejectionReason: '',
      merchantId: undefined,
      decided: false,
    });
    await recordAction(client, {
      entityKind: 'application',
      entityId: applicationId,
      action: 'start_review',
      actor,
      detail: {},
    });
    return updated;
  });
}

export async function rejectApplication(deps: MerchantDeps, applicationId: string, reason: string, actor: Actor) {
  const trimmed = reason.trim();
  if (trimmed === '' || trimmed.length > REJECTION_REASON_CHARS_MAX) {
    throw invalidArgument(
      'INVALID_REASON',
      `a rejection needs a reason of 1..${REJECTION_REASON_CHARS_MAX} characters`,
    );
  }
  return withTransaction(deps.pool, async (client) => {
    const { application } = await lockForReview(client, applicationId, 'reject');
    const updated = await updateApplicationStatus(client, {
      applicationId,
      fromStatus: application.status,
      toStatus: 'rejected' satisfies ApplicationStatus,
      reviewedBy: actor.subject,
      rejectionReason: trimmed,
      merchantId: undefined,
      decided: true,
    });
    await recordAction(client, {
      entityKind: 'application',
      entityId: applicationId,
      action: 'reject',
      actor,
      detail: { reason: trimmed },
    });
    return updated;
  });
}

function chooseFeePlan(mcc: string, override: FeePlan | undefined): { plan: FeePlan; overridden: boolean } {
  const standard = defaultFeePlanForMcc(mcc);
  assert(standard !== undefined, 'a validated application carries a known MCC');
  if (override === undefined) return { plan: standard, overridden: false };
  const problems = feePlanProblems(override);
  if (problems.length > 0) throw invalidArgument('INVALID_FEE_PLAN', problems.join('; '));
  return { plan: override, overridden: !sameFeePlan(override, standard) };
}

async function createMerchant(
  deps: MerchantDeps,
  client: Queryable,
  application: ApplicationRecord,
  feePlan: { plan: FeePlan; overridden: boolean },
): Promise<MerchantRecord> {
  const prefix = merchantNumberPrefix(deps.settings.acquirerCode, application.areaCode, application.mcc);
  const sequence = await takeMerchantSequence(client, prefix);
  if (sequence === undefined) {
    throw exhausted('MERCHANT_NUMBERS_EXHAUSTED', 'all merchant numbers of this area and MCC are taken');
  }
  const merchant = await insertMerchant(client, {
    merchantId: newId(ID_PREFIX.merchant),
    merchantNumber: buildMerchantNumber(prefix, sequence),
    applicationId: application.applicationId,
    merchantType: application.merchantType,
    legalName: application.legalName,
    businessName: application.businessName,
    businessAddress: application.businessAddress,
    areaCode: application.areaCode,
    mcc: application.mcc,
    phone: application.phone,
    businessLicenceNumber: application.businessLicenceNumber,
    idNumberFingerprint: application.idNumberFingerprint,
    feePlan: feePlan.plan,
    feePlanOverridden: feePlan.overridden,
  });
  if (merchant === undefined)
    throw duplicate('DUPLICATE_MERCHANT', 'a merchant with this business licence already exists');
  return merchant;
}

export async function approveApplication(
  deps: MerchantDeps,
  applicationId: string,
  actor: Actor,
  feePlanOverride: FeePlan | undefined,
) {
  return withTransaction(deps.pool, async (client) => {
    const { application } = await lockForReview(client, applicationId, 'approve');
    const merchant = await createMerchant(deps, client, application, chooseFeePlan(application.mcc, feePlanOverride));
    const updated = await updateApplicationStatus(client, {
      applicationId,
      fromStatus: application.status,
      toStatus: 'approved',
      reviewedBy: actor.subject,
      rejectionReason: '',
      merchantId: merchant.merchantId,
      decided: true,
    });
    await recordAction(client, {
      entityKind: 'application',
      entityId: applicationId,
      action: 'approve',
      actor,
      detail: { merchantId: merchant.merchantId, feePlanOverridden: merchant.feePlanOverridden },
    });
    await deps.writeOutboxEvents(client, [merchantChangedEvent(merchant, 'created', deps.nowMs())]);
    assert(updated.merchantId === merchant.merchantId, 'the application names its merchant');
    return { application: updated, merchant };
  });
}
