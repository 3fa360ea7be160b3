/**
 * The amount rules that refer to the original or the entry method: void only while the original's
 * batch is open on the same day, refunds cumulative up to the original, completion within its
 * share of the pre-auth, and the contactless no-PIN limit.
 */
import { assert } from '@acq/assert';
import { fen } from '@acq/money';
import { checkCompletionAmount } from '../../../domain/completion-amount.ts';
import { contactlessPinRequired } from '../../../domain/contactless-limit.ts';
import { checkRefundAmount } from '../../../domain/refund-limit.ts';
import { checkVoidEligibility } from '../../../domain/void-eligibility.ts';
import type { FlowDependencies } from '../../flow-dependencies.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

export const checkAmountRules: Participant = {
  name: 'check-amount-rules',
  async prepare(ctx, deps) {
    const failure = ruleFailure(ctx, deps);
    if (failure !== undefined) {
      ctx.decline(failure);
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    return Vote.PREPARED | Vote.NO_JOIN | Vote.READONLY;
  },
};

type RuleFailure =
  | 'original_not_eligible'
  | 'invalid_amount'
  | 'refund_exceeds_original'
  | 'completion_exceeds_preauth'
  | 'contactless_pin_required';

function ruleFailure(ctx: AuthorizationContext, deps: FlowDependencies): RuleFailure | undefined {
  const request = ctx.request;
  const kind = request.kind;
  if (kind === 'purchase' || kind === 'preauth') {
    const limit = deps.settings.contactlessNoPinLimitFen;
    const needsPin = contactlessPinRequired(ctx.entryMethod, request.amountFen, ctx.pinPresent, limit);
    return needsPin ? 'contactless_pin_required' : undefined;
  }
  if (kind === 'balance_inquiry') return undefined;
  const original = ctx.original;
  assert(original !== undefined, 'rules on an original run after it is loaded');
  if (kind === 'refund') {
    const verdict = checkRefundAmount(original.amountFen, original.refundedFen, request.amountFen);
    return verdict === 'allowed' ? undefined : verdict;
  }
  if (kind === 'completion') {
    const percent = deps.settings.completionPercentOfPreauthMax;
    const verdict = checkCompletionAmount(original.amountFen, request.amountFen, percent);
    return verdict === 'allowed' ? undefined : verdict;
  }
  const voidable = {
    status: original.status,
    batchNumber: original.batchNumber,
    businessDate: original.businessDate,
    amountFen: original.amountFen,
    cancelledByTxnId: original.cancelledByTxnId ?? original.completedByTxnId,
    reversed: original.reversed,
    settled: original.settled,
    refundedFen: original.refundedFen,
  };
  // Pre-auth voids may carry zero (the terminal does not always resend the amount): treat as the original's.
  const requestedFen = kind === 'preauth_void' && request.amountFen === 0n ? original.amountFen : request.amountFen;
  const verdict = checkVoidEligibility(voidable, request.batchNumber, ctx.businessDate, fen(requestedFen));
  return verdict === 'allowed' ? undefined : verdict;
}
