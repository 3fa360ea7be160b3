/**
 * Void rule (撤销): only an approved original of the same terminal, in the terminal's current batch,
 * on the same business day, not already voided or reversed, not yet settled, for the same amount.
 * After that the terminal must use a refund.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export interface VoidableOriginal {
  readonly status: 'approved' | 'declined' | 'pending' | 'timed_out';
  readonly batchNumber: string;
  readonly businessDate: string;
  readonly amountFen: Fen;
  readonly cancelledByTxnId: string | null;
  readonly reversed: boolean;
  readonly settled: boolean;
  readonly refundedFen: Fen;
}

export type VoidCheck = 'allowed' | 'original_not_eligible' | 'invalid_amount';

export function checkVoidEligibility(
  original: VoidableOriginal,
  currentBatchNumber: string,
  businessDate: string,
  requestedFen: Fen,
): VoidCheck {
  assert(currentBatchNumber.length === 6, 'batch numbers are n6');
  assert(businessDate.length === 8, 'business dates are YYYYMMDD');
  if (original.status !== 'approved') return 'original_not_eligible';
  if (original.reversed) return 'original_not_eligible';
  if (original.cancelledByTxnId !== null) return 'original_not_eligible';
  if (original.settled) return 'original_not_eligible';
  if (original.batchNumber !== currentBatchNumber) return 'original_not_eligible';
  if (original.businessDate !== businessDate) return 'original_not_eligible';
  if (original.refundedFen > 0n) return 'original_not_eligible';
  if (requestedFen !== original.amountFen) return 'invalid_amount';
  return 'allowed';
}
