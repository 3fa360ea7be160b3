/** Completion rule: a pre-authorization completes once, for at most a configured percentage of it. */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export type CompletionCheck = 'allowed' | 'invalid_amount' | 'completion_exceeds_preauth';

/** Largest completion amount, rounded down so the limit is never exceeded by rounding. */
export function completionLimitFen(preauthAmountFen: Fen, percentOfPreauthMax: bigint): Fen {
  assert(preauthAmountFen >= 0n, 'pre-auth amount is never negative');
  assert(percentOfPreauthMax >= 100n, 'completion may reach at least the pre-auth amount');
  const limit = (preauthAmountFen * percentOfPreauthMax) / 100n;
  assert(limit >= preauthAmountFen, 'the limit is never below the pre-auth');
  return limit as Fen;
}

export function checkCompletionAmount(
  preauthAmountFen: Fen,
  requestedFen: Fen,
  percentOfPreauthMax: bigint,
): CompletionCheck {
  if (requestedFen <= 0n) return 'invalid_amount';
  if (requestedFen > completionLimitFen(preauthAmountFen, percentOfPreauthMax)) return 'completion_exceeds_preauth';
  return 'allowed';
}
