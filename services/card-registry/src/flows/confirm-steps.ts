/**
 * The merchant's proofs: the SMS one-time code (step 2) and the micro-deposit amount the new card
 * received (step 4). A wrong answer is counted and committed before it is refused, so attempts cannot
 * be replayed; the last allowed wrong answer fails the change.
 */
import { FAILURE } from '../domain/change-state.ts';
import { invalidArgument, type RefusalError } from '../domain/refusals.ts';
import type { CardChangeRecord } from '../store/change-store.ts';
import { recordStep } from '../store/change-store.ts';
import { activateLockedChange, notifyActivated } from './activate-change.ts';
import { failChange, failIfExpired, requireState, stepBy, withLockedChange } from './change-steps.ts';
import type { Actor, CardRegistryDeps } from './ports.ts';

type StepResult = { readonly change: CardChangeRecord; readonly refusal?: RefusalError };

const SMS_CODE_PATTERN = /^[0-9]{4,8}$/;

export async function confirmSmsCode(
  deps: CardRegistryDeps,
  changeId: string,
  code: string,
  actor: Actor,
): Promise<CardChangeRecord> {
  if (!SMS_CODE_PATTERN.test(code)) throw invalidArgument('SMS_CODE_INVALID', 'the SMS code is 4-8 digits');
  const result = await withLockedChange(deps, changeId, async (locked): Promise<StepResult> => {
    const expired = await failIfExpired(locked, actor);
    if (expired !== undefined) return { change: expired };
    const change = locked.change;
    requireState(
      change,
      'identity_verified',
      'CHANGE_NOT_AWAITING_SMS_CODE',
      'the change is not waiting for an SMS code',
    );
    if (locked.nowMs >= change.smsCodeExpiresAtMs) {
      const message = 'the SMS code expired; start the change again';
      return { change: await failChange(locked, change, { code: FAILURE.smsCodeExpired, message }, actor) };
    }
    if (deps.cipher.secretMatches(change.changeId, 'sms', code, change.smsCodeHash)) {
      const confirmed = await recordStep(
        locked.client,
        change,
        'sms_confirmed',
        {},
        stepBy(actor, 'sms_confirmed', '', locked.nowMs),
      );
      return { change: confirmed };
    }
    const attempts = change.smsAttempts + 1;
    const remaining = deps.settings.smsAttemptsMax - attempts;
    if (remaining <= 0) {
      const message = 'too many wrong SMS codes; start the change again';
      const failure = { code: FAILURE.smsAttemptsExceeded, message };
      return { change: await failChange(locked, change, failure, actor, { smsAttempts: attempts }) };
    }
    const counted = await recordStep(
      locked.client,
      change,
      change.state,
      { smsAttempts: attempts },
      stepBy(actor, 'sms_code_wrong', `${remaining} attempts left`, locked.nowMs),
    );
    return {
      change: counted,
      refusal: invalidArgument('SMS_CODE_WRONG', `the SMS code is wrong; ${remaining} attempts left`),
    };
  });
  if (result.refusal !== undefined) throw result.refusal;
  return result.change;
}

export async function confirmCardVerification(
  deps: CardRegistryDeps,
  changeId: string,
  amountFen: bigint,
  actor: Actor,
): Promise<CardChangeRecord> {
  if (amountFen <= 0n || amountFen > 100_000n)
    throw invalidArgument('AMOUNT_INVALID', 'amountFen is the small amount (in fen) the new card received');
  const result = await withLockedChange(deps, changeId, async (locked): Promise<StepResult> => {
    const expired = await failIfExpired(locked, actor);
    if (expired !== undefined) return { change: expired };
    const change = locked.change;
    requireState(
      change,
      'agreement_signed',
      'CHANGE_NOT_AWAITING_VERIFICATION',
      'the change is not waiting for a micro-deposit amount',
    );
    if (change.verificationMethod !== 'micro_deposit' || change.microDepositHash === '')
      throw invalidArgument('CHANGE_NOT_AWAITING_VERIFICATION', 'no micro-deposit was sent for this change');
    if (deps.cipher.secretMatches(change.changeId, 'deposit', amountFen.toString(), change.microDepositHash)) {
      const verified = await recordStep(
        locked.client,
        change,
        change.state,
        {},
        stepBy(actor, 'card_verified', 'micro_deposit', locked.nowMs),
      );
      return { change: await activateLockedChange(deps, locked, verified, actor, 'check_shared_card') };
    }
    const attempts = change.verificationAttempts + 1;
    const remaining = deps.settings.verificationAttemptsMax - attempts;
    if (remaining <= 0) {
      const message = 'too many wrong micro-deposit amounts; start the change again';
      const failure = { code: FAILURE.verificationAttemptsExceeded, message };
      return { change: await failChange(locked, change, failure, actor, { verificationAttempts: attempts }) };
    }
    const counted = await recordStep(
      locked.client,
      change,
      change.state,
      { verificationAttempts: attempts },
      stepBy(actor, 'verification_wrong', `${remaining} attempts left`, locked.nowMs),
    );
    const refusal = invalidArgument(
      'MICRO_DEPOSIT_AMOUNT_WRONG',
      `the amount is not what the card received; ${remaining} attempts left`,
    );
    return { change: counted, refusal };
  });
  if (result.refusal !== undefined) throw result.refusal;
  return notifyActivated(deps, result.change);
}
