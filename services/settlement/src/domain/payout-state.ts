/**
 * The payout state machine (README "Payout state machine"). Pure: given a payout and what the bank
 * said, decide the next state. The one rule that prevents double payment: a hold is released (and
 * the money offered to T1 again) only after the bank has said the instruction failed or never
 * arrived; an answer we could not read is queried, and a payout the bank never resolves is parked
 * as `stuck` with its hold intact for an operator.
 */
import { assert } from '@acq/assert';
import {
  PAYOUT_QUERY_COUNT_MAX,
  PAYOUT_RETRY_DELAY_MS_MAX,
  PAYOUT_RETRY_DELAY_MS_MIN,
  T0_PAYOUT_ATTEMPT_COUNT_MAX,
} from '../limits.ts';
import type { QueryOutcome, SubmitOutcome } from './bank-rails.ts';

export const PAYOUT_STATES = [
  'created',
  'submitting',
  'submitted',
  'retry_wait',
  'succeeded',
  'failed',
  'stuck',
] as const;
export type PayoutState = (typeof PAYOUT_STATES)[number];
export type PayoutKind = 't0' | 't1' | 'd0';

export type PayoutProgress = {
  readonly kind: PayoutKind;
  readonly attempt: number;
  readonly queryCount: number;
};

export type PayoutDecision =
  | { readonly next: 'submitted'; readonly afterMs: number; readonly queryCount: number }
  | { readonly next: 'succeeded' }
  | { readonly next: 'retry_wait'; readonly afterMs: number; readonly reason: string }
  | { readonly next: 'failed'; readonly reason: string }
  | { readonly next: 'stuck'; readonly reason: string }
  | { readonly next: 'resubmit'; readonly queryCount: number };

export function retryDelayMs(count: number): number {
  assert(count >= 1, 'delays are for the first retry onwards');
  const exponent = Math.min(count - 1, 16);
  return Math.min(PAYOUT_RETRY_DELAY_MS_MIN * 2 ** exponent, PAYOUT_RETRY_DELAY_MS_MAX);
}

function definiteFailure(progress: PayoutProgress, reason: string): PayoutDecision {
  if (progress.attempt < T0_PAYOUT_ATTEMPT_COUNT_MAX) {
    return { next: 'retry_wait', afterMs: retryDelayMs(progress.attempt), reason };
  }
  return { next: 'failed', reason };
}

/** After submitting attempt `progress.attempt`. */
export function decideAfterSubmit(progress: PayoutProgress, outcome: SubmitOutcome): PayoutDecision {
  assert(progress.attempt >= 1 && progress.attempt <= T0_PAYOUT_ATTEMPT_COUNT_MAX, 'attempts are bounded');
  if (outcome.kind === 'rejected') return definiteFailure(progress, outcome.reason);
  // Accepted: the result is asynchronous. Unknown: it may have arrived. Either way, ask the bank.
  return { next: 'submitted', afterMs: retryDelayMs(1), queryCount: progress.queryCount };
}

/**
 * After querying a submitted instruction. `not_found` means the instruction never reached the bank
 * (the submit timed out before sending, or the worker died first): the same instruction is sent
 * again, which is safe because the bank deduplicates by instruction id. Repeated `not_found` after
 * resubmitting counts as a definite failure of the attempt.
 */
export function decideAfterQuery(progress: PayoutProgress, outcome: QueryOutcome): PayoutDecision {
  assert(progress.queryCount >= 0, 'query counts are not negative');
  const queryCount = progress.queryCount + 1;
  switch (outcome.kind) {
    case 'succeeded':
      return { next: 'succeeded' };
    case 'failed':
      return definiteFailure(progress, outcome.reason);
    case 'not_found':
      return queryCount >= PAYOUT_QUERY_COUNT_MAX
        ? definiteFailure(progress, 'BANK_NEVER_RECEIVED')
        : { next: 'resubmit', queryCount };
    case 'processing':
    case 'unknown':
      if (queryCount >= PAYOUT_QUERY_COUNT_MAX) return { next: 'stuck', reason: 'BANK_RESULT_UNRESOLVED' };
      return { next: 'submitted', afterMs: retryDelayMs(queryCount), queryCount };
  }
}
