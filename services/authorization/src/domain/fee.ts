/**
 * Merchant fee of one approved debit-side transaction: the plan's rate for the card kind, a cap for
 * debit cards, plus the T0 surcharge (rate and fixed fen) when the merchant settles T0.
 */
import { assert } from '@acq/assert';
import { applyRateFen, type Fen, minFen } from '@acq/money';

export type CardKind = 'debit' | 'credit' | 'unknown';

export interface FeePlan {
  readonly category: string;
  readonly debitRateUnits: bigint;
  readonly debitCapFen: Fen;
  readonly creditRateUnits: bigint;
  readonly t0RateUnits: bigint;
  readonly t0FixedFen: Fen;
}

export function computeFeeFen(amountFen: Fen, cardKind: CardKind, plan: FeePlan, t0Enabled: boolean): Fen {
  assert(amountFen >= 0n, 'fees apply to non-negative amounts');
  assert(plan.debitCapFen >= 0n && plan.t0FixedFen >= 0n, 'fee plan amounts are never negative');
  // An unknown card kind is charged at the credit rate, the higher of the two in every plan we sell.
  const baseFen =
    cardKind === 'debit'
      ? capDebitFee(applyRateFen(amountFen, plan.debitRateUnits), plan.debitCapFen)
      : applyRateFen(amountFen, plan.creditRateUnits);
  const surchargeFen = t0Enabled ? applyRateFen(amountFen, plan.t0RateUnits) + plan.t0FixedFen : 0n;
  const totalFen = minFen((baseFen + surchargeFen) as Fen, amountFen);
  assert(totalFen >= 0n && totalFen <= amountFen, 'a fee stays within the amount');
  return totalFen;
}

function capDebitFee(feeFen: Fen, capFen: Fen): Fen {
  // A cap of zero means "no cap" in fee plans (exempt plans use a zero rate instead).
  return capFen === 0n ? feeFen : minFen(feeFen, capFen);
}
