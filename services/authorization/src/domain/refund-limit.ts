/** Refund rule: partial refunds are allowed, but their sum never exceeds the original amount. */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export type RefundCheck = 'allowed' | 'invalid_amount' | 'refund_exceeds_original';

export function checkRefundAmount(originalAmountFen: Fen, refundedSoFarFen: Fen, requestedFen: Fen): RefundCheck {
  assert(originalAmountFen >= 0n, 'original amount is never negative');
  assert(refundedSoFarFen >= 0n, 'refunded total is never negative');
  assert(refundedSoFarFen <= originalAmountFen, 'stored refunds never exceed the original');
  if (requestedFen <= 0n) return 'invalid_amount';
  if (refundedSoFarFen + requestedFen > originalAmountFen) return 'refund_exceeds_original';
  return 'allowed';
}
