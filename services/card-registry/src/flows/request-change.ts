/**
 * Step 1 of a change (or of a bind when the merchant has no card): check the card against the rules,
 * open the change, run the 4-element verification with the registry's own lockout counters, and on a
 * match send the SMS one-time code. Requests refused before a change exists are written to the audit log.
 */
import { randomInt } from 'node:crypto';
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { type CandidateVerdict, judgeCandidate, nextChangeAllowedAtMs } from '../domain/change-policy.ts';
import { FAILURE, isVerificationMethod, type VerificationMethod } from '../domain/change-state.ts';
import { isCardNumber, isMobilePhone, maskCardNumber, maskPhone } from '../domain/card-number.ts';
import { currentAttempts, lockedUntil, recordAttempt } from '../domain/identity-lockout.ts';
import { ID_PREFIX, newId } from '../domain/ids.ts';
import { conflict, exhausted, invalidArgument, notFound, RefusalError } from '../domain/refusals.ts';
import { LIMITS } from '../limits.ts';
import { loadAttempts, saveAttempts } from '../store/attempt-store.ts';
import { appendAudit } from '../store/audit-store.ts';
import { SEAL_PURPOSE } from '../store/card-cipher.ts';
import { findActiveCard, lockMerchantState } from '../store/card-store.ts';
import {
  type CardChangeRecord,
  findOpenChange,
  insertChange,
  insertFirstStep,
  recordStep,
} from '../store/change-store.ts';
import { failChange, type LockedChange, stepBy, withLockedChange } from './change-steps.ts';
import type { Actor, CardRegistryDeps, IdentityOutcome, SmsOutcome } from './ports.ts';

export type ChangeRequest = {
  readonly merchantId: string;
  readonly cardNumber: string;
  readonly holderName: string;
  readonly idNumber: string;
  readonly phone: string;
  readonly verificationMethod: string;
};

type CheckedRequest = ChangeRequest & {
  readonly method: VerificationMethod;
  readonly verdict: Extract<CandidateVerdict, { ok: true }>;
};

const ID_NUMBER_PATTERN = /^[0-9]{17}[0-9X]$/;

export async function requestCardChange(
  deps: CardRegistryDeps,
  request: ChangeRequest,
  actor: Actor,
): Promise<CardChangeRecord> {
  const masked = isCardNumber(request.cardNumber) ? maskCardNumber(request.cardNumber) : '';
  try {
    const checked = await checkRequest(deps, request);
    const opened = await openChange(deps, checked, actor);
    return await verifyIdentity(deps, opened, checked, actor);
  } catch (error) {
    if (error instanceof RefusalError) {
      await appendAudit(deps.pool, {
        merchantId: request.merchantId,
        action: 'request_change',
        outcome: error.refusal.code,
        accountNumberMasked: masked,
        actorSubject: actor.subject,
        actorRole: actor.role,
        atMs: deps.nowMs(),
      });
    }
    throw error;
  }
}

async function checkRequest(deps: CardRegistryDeps, request: ChangeRequest): Promise<CheckedRequest> {
  const method = request.verificationMethod === '' ? 'micro_deposit' : request.verificationMethod;
  if (!isVerificationMethod(method))
    throw invalidArgument('VERIFICATION_METHOD_INVALID', 'verificationMethod is micro_deposit or zero_amount');
  if (!isMobilePhone(request.phone))
    throw invalidArgument('PHONE_INVALID', 'phone is the 11-digit mobile number registered with the bank');
  if (!ID_NUMBER_PATTERN.test(request.idNumber))
    throw invalidArgument('ID_NUMBER_INVALID', 'idNumber is the 18-character resident ID number');
  if (request.holderName.length === 0 || request.holderName.length > 64)
    throw invalidArgument('HOLDER_NAME_INVALID', 'holderName is 1-64 characters');
  const identity = await deps.merchants.identity(request.merchantId);
  if (identity === undefined) throw notFound('MERCHANT_NOT_FOUND', 'no merchant has this id');
  if (identity.status !== 'active')
    throw conflict('MERCHANT_NOT_ACTIVE', `a ${identity.status} merchant cannot change its settlement card`);
  const bin = isCardNumber(request.cardNumber) ? deps.binTable.lookup(request.cardNumber) : undefined;
  const verdict = judgeCandidate(identity, request, bin);
  if (!verdict.ok) throw invalidArgument(verdict.code, verdict.message);
  return { ...request, method, verdict };
}

async function openChange(deps: CardRegistryDeps, request: CheckedRequest, actor: Actor): Promise<CardChangeRecord> {
  const cardToken = deps.cipher.cardToken(request.cardNumber);
  return withTransaction(deps.pool, async (client) => {
    const nowMs = deps.nowMs();
    const state = await lockMerchantState(client, request.merchantId, nowMs);
    const active = await findActiveCard(client, request.merchantId);
    if (active?.cardToken === cardToken)
      throw conflict('CARD_ALREADY_ACTIVE', 'this card is already the settlement card');
    const allowedAtMs =
      active === undefined ? 0 : nextChangeAllowedAtMs(state.lastChangeActivatedAtMs, deps.settings.changeCooldownMs);
    if (nowMs < allowedAtMs)
      throw conflict(
        'CHANGE_COOLDOWN',
        `the settlement card was changed recently; the next change is allowed from ${new Date(allowedAtMs).toISOString()}`,
      );
    const open = await findOpenChange(client, request.merchantId);
    if (open?.state === 'under_review')
      throw conflict('CHANGE_UNDER_REVIEW', 'a change of this merchant is waiting for an operator');
    if (open !== undefined)
      await failChange(
        { client, nowMs },
        open,
        { code: FAILURE.superseded, message: 'a newer change replaced this one' },
        actor,
      );
    const attempts = currentAttempts(await loadAttempts(client, cardToken), nowMs);
    const lockedUntilMs = lockedUntil(attempts, deps.settings.lockout, nowMs);
    if (lockedUntilMs > 0)
      throw exhausted(
        'IDENTITY_LOCKED',
        `identity verification of this card is locked until ${new Date(lockedUntilMs).toISOString()}`,
      );
    const change = await insertChange(client, {
      changeId: newId(ID_PREFIX.change),
      merchantId: request.merchantId,
      kind: active === undefined ? 'bind' : 'change',
      cardToken,
      accountNumberSealed: deps.cipher.seal(request.cardNumber, SEAL_PURPOSE.accountNumber),
      accountNumberMasked: maskCardNumber(request.cardNumber),
      holderName: request.holderName,
      bankCode: request.verdict.bin.bankCode,
      bankName: request.verdict.bin.bankName,
      accountKind: request.verdict.accountKind,
      phoneSealed: deps.cipher.seal(request.phone, SEAL_PURPOSE.phone),
      phoneMasked: maskPhone(request.phone),
      verificationMethod: request.method,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + deps.settings.changeTimeToLiveMs,
    });
    await insertFirstStep(client, change, stepBy(actor, 'requested', change.accountNumberMasked, nowMs));
    return change;
  });
}

function newSmsCode(): string {
  const code = String(randomInt(0, 10 ** LIMITS.smsCodeDigits)).padStart(LIMITS.smsCodeDigits, '0');
  assert(code.length === LIMITS.smsCodeDigits, 'the SMS code has its digits');
  return code;
}

async function verifyIdentity(
  deps: CardRegistryDeps,
  change: CardChangeRecord,
  request: CheckedRequest,
  actor: Actor,
): Promise<CardChangeRecord> {
  const outcome = await deps.identity.verifyElements({
    cardNumber: request.cardNumber,
    name: request.holderName,
    idNumber: request.idNumber,
    phone: request.phone,
  });
  const smsCode = outcome.kind === 'match' ? newSmsCode() : '';
  const lastDigits = change.accountNumberMasked.slice(-4);
  const ttlMinutes = Math.round(deps.settings.smsCodeTimeToLiveMs / 60_000);
  const sms: SmsOutcome | undefined =
    outcome.kind === 'match'
      ? await deps.notifications.sendSms(
          request.phone,
          `【收单平台】您正在将结算卡变更为尾号${lastDigits}的银行卡,验证码 ${smsCode},${ttlMinutes}分钟内有效,请勿泄露。`,
        )
      : undefined;
  return withLockedChange(deps, change.changeId, async (locked) => {
    if (locked.change.state !== 'requested') return locked.change;
    const matched = outcome.kind === 'match';
    if (outcome.kind !== 'unavailable') await countAttempt(deps, locked, outcome, matched);
    if (outcome.kind === 'match' && sms?.kind === 'sent') return recordSmsSent(deps, locked, smsCode, actor);
    const failure = identityFailure(outcome, sms);
    return failChange(locked, locked.change, failure, actor);
  });
}

async function countAttempt(
  deps: CardRegistryDeps,
  locked: LockedChange,
  outcome: IdentityOutcome,
  matched: boolean,
): Promise<void> {
  const token = locked.change.cardToken;
  const attempts = currentAttempts(await loadAttempts(locked.client, token), locked.nowMs);
  if (lockedUntil(attempts, deps.settings.lockout, locked.nowMs) > 0) return;
  let next = recordAttempt(attempts, matched, deps.settings.lockout, locked.nowMs);
  // The provider's own lock wins when it is longer than ours.
  if (outcome.kind === 'locked' && outcome.lockedUntilMs > next.lockedUntilMs)
    next = { ...next, lockedUntilMs: outcome.lockedUntilMs };
  await saveAttempts(locked.client, token, next, locked.nowMs);
}

async function recordSmsSent(
  deps: CardRegistryDeps,
  locked: LockedChange,
  smsCode: string,
  actor: Actor,
): Promise<CardChangeRecord> {
  const { client, nowMs } = locked;
  const verified = await recordStep(
    client,
    locked.change,
    'identity_verified',
    {},
    stepBy(actor, 'identity_verified', '', nowMs),
  );
  return recordStep(
    client,
    verified,
    'identity_verified',
    {
      smsCodeHash: deps.cipher.secretHash(verified.changeId, 'sms', smsCode),
      smsCodeExpiresAtMs: nowMs + deps.settings.smsCodeTimeToLiveMs,
      smsAttempts: 0,
    },
    stepBy(actor, 'sms_code_sent', verified.phoneMasked, nowMs),
  );
}

function identityFailure(outcome: IdentityOutcome, sms: SmsOutcome | undefined) {
  switch (outcome.kind) {
    case 'match':
      assert(sms?.kind === 'unavailable', 'a match fails only when the SMS could not be sent');
      return { code: FAILURE.smsUndelivered, message: 'the SMS code could not be sent; try again later' };
    case 'mismatch':
      return {
        code: FAILURE.identityMismatch,
        message: `the card's bank records do not match: ${outcome.fields.join(', ') || 'details'}; check them and start again`,
      };
    case 'card_not_found':
      return { code: FAILURE.identityCardNotFound, message: 'the bank does not know this card number' };
    case 'invalid_id_number':
      return { code: FAILURE.idNumberInvalid, message: 'the bank refused the ID number' };
    case 'locked':
      return {
        code: FAILURE.identityLocked,
        message: `the bank has locked verification of this card until ${new Date(outcome.lockedUntilMs).toISOString()}`,
      };
    case 'unavailable':
      return { code: FAILURE.providerUnavailable, message: 'identity verification is unavailable; try again later' };
  }
}
