/**
 * Step 3: the merchant signs the settlement-card agreement (version and time recorded), and the second
 * verification of the new card starts: a micro-deposit the merchant then confirms, or the provider's
 * zero-amount check that activates the card at once. If the bank or provider does not answer, the
 * change stays signed and signing again retries the verification (the deposit is idempotent by id).
 */
import { FAILURE } from '../domain/change-state.ts';
import { invalidArgument, type RefusalError, unavailable } from '../domain/refusals.ts';
import { SEAL_PURPOSE } from '../store/card-cipher.ts';
import { type CardChangeRecord, recordStep } from '../store/change-store.ts';
import { activateLockedChange, notifyActivated } from './activate-change.ts';
import {
  failChange,
  failIfExpired,
  type LockedChange,
  requireState,
  stepBy,
  withLockedChange,
} from './change-steps.ts';
import type { Actor, CardRegistryDeps, MicroDepositOutcome, ZeroAmountOutcome } from './ports.ts';

type StepResult = { readonly change: CardChangeRecord; readonly refusal?: RefusalError };

export async function signAgreement(
  deps: CardRegistryDeps,
  changeId: string,
  agreementVersion: string,
  actor: Actor,
): Promise<CardChangeRecord> {
  const signed = await withLockedChange(deps, changeId, async (locked) => {
    const expired = await failIfExpired(locked, actor);
    if (expired !== undefined) return expired;
    const change = locked.change;
    if (change.state === 'agreement_signed') return change;
    requireState(
      change,
      'sms_confirmed',
      'CHANGE_NOT_AWAITING_AGREEMENT',
      'the change is not waiting for the agreement',
    );
    const required = deps.settings.agreementVersion;
    if (agreementVersion !== required)
      throw invalidArgument('AGREEMENT_VERSION_OUTDATED', `sign the current agreement, version ${required}`);
    return recordStep(
      locked.client,
      change,
      'agreement_signed',
      { agreementVersion, agreementSignedAtMs: locked.nowMs },
      stepBy(actor, 'agreement_signed', `version ${agreementVersion}`, locked.nowMs),
    );
  });
  if (signed.state !== 'agreement_signed' || signed.microDepositHash !== '') return signed;
  const result =
    signed.verificationMethod === 'zero_amount'
      ? await verifyZeroAmount(deps, signed, actor)
      : await sendMicroDeposit(deps, signed, actor);
  if (result.refusal !== undefined) throw result.refusal;
  return notifyActivated(deps, result.change);
}

async function sendMicroDeposit(deps: CardRegistryDeps, change: CardChangeRecord, actor: Actor): Promise<StepResult> {
  const outcome: MicroDepositOutcome = await deps.bank.sendMicroDeposit({
    requestId: `md_${change.changeId}`,
    accountNumber: deps.cipher.open(change.accountNumberSealed, SEAL_PURPOSE.accountNumber),
    accountName: change.holderName,
  });
  return withLockedChange(deps, change.changeId, async (locked): Promise<StepResult> => {
    const current = locked.change;
    if (current.state !== 'agreement_signed' || current.microDepositHash !== '') return { change: current };
    switch (outcome.kind) {
      case 'sent': {
        const microDepositHash = deps.cipher.secretHash(current.changeId, 'deposit', outcome.amountFen.toString());
        const step = stepBy(actor, 'micro_deposit_sent', current.accountNumberMasked, locked.nowMs);
        return { change: await recordStep(locked.client, current, current.state, { microDepositHash }, step) };
      }
      case 'failed': {
        const message = `the bank could not credit the new card (${outcome.reason}); check the card and start again`;
        return { change: await failChange(locked, current, { code: FAILURE.microDepositFailed, message }, actor) };
      }
      case 'unavailable':
        return retryLater(locked, current, actor, outcome.reason);
    }
  });
}

async function verifyZeroAmount(deps: CardRegistryDeps, change: CardChangeRecord, actor: Actor): Promise<StepResult> {
  const outcome: ZeroAmountOutcome = await deps.identity.verifyCardZeroAmount({
    cardNumber: deps.cipher.open(change.accountNumberSealed, SEAL_PURPOSE.accountNumber),
    name: change.holderName,
  });
  return withLockedChange(deps, change.changeId, async (locked): Promise<StepResult> => {
    const current = locked.change;
    if (current.state !== 'agreement_signed') return { change: current };
    switch (outcome.kind) {
      case 'verified': {
        const step = stepBy(actor, 'card_verified', 'zero_amount', locked.nowMs);
        const verified = await recordStep(locked.client, current, current.state, {}, step);
        return { change: await activateLockedChange(deps, locked, verified, actor, 'check_shared_card') };
      }
      case 'refused': {
        const message = `the zero-amount check of the new card failed (${outcome.reason}); check the card and start again`;
        return { change: await failChange(locked, current, { code: FAILURE.zeroAmountCheckFailed, message }, actor) };
      }
      case 'unavailable':
        return retryLater(locked, current, actor, outcome.reason);
    }
  });
}

async function retryLater(
  locked: LockedChange,
  change: CardChangeRecord,
  actor: Actor,
  reason: string,
): Promise<StepResult> {
  const step = stepBy(actor, 'verification_unavailable', reason, locked.nowMs);
  const kept = await recordStep(locked.client, change, change.state, {}, step);
  const refusal = unavailable('VERIFICATION_UNAVAILABLE', 'the bank did not answer; sign the agreement again to retry');
  return { change: kept, refusal };
}
