/**
 * Merchant fees. Rounding rule (documented in the README): the rate is applied to each transaction on
 * its own and rounded half up to the fen (四舍五入, `applyRateFen`), then the debit cap applies; fees
 * are never summed before rounding, so the statement's per-transaction fees add up to the ledger.
 */
import { assert } from '@acq/assert';
import { applyRateFen, type Fen, fen, minFen, RATE_UNITS_PER_WHOLE } from '@acq/money';

export const CARD_KINDS = ['debit', 'credit'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

export type FeePlan = {
  readonly category: string;
  readonly debitRateUnits: bigint;
  /** Upper bound of a debit-card fee; 0 means uncapped. */
  readonly debitCapFen: Fen;
  readonly creditRateUnits: bigint;
  /** T0 surcharge: a rate on the amount paid out in real time plus a fixed fee per payout. */
  readonly t0RateUnits: bigint;
  readonly t0FixedFen: Fen;
};

export function assertFeePlan(plan: FeePlan): void {
  for (const rate of [plan.debitRateUnits, plan.creditRateUnits, plan.t0RateUnits]) {
    assert(rate >= 0n && rate <= RATE_UNITS_PER_WHOLE, 'fee rates lie within 0..100%');
  }
  assert(plan.debitCapFen >= 0n, 'the debit cap is not negative');
  assert(plan.t0FixedFen >= 0n, 'the fixed T0 fee is not negative');
}

/** The merchant discount fee of one card transaction. */
export function transactionFeeFen(plan: FeePlan, cardKind: CardKind, amountFen: Fen): Fen {
  assert(amountFen > 0n, 'fees apply to positive amounts');
  assertFeePlan(plan);
  if (cardKind === 'credit') return applyRateFen(amountFen, plan.creditRateUnits);
  const uncapped = applyRateFen(amountFen, plan.debitRateUnits);
  const result = plan.debitCapFen > 0n ? minFen(uncapped, plan.debitCapFen) : uncapped;
  assert(result >= 0n && result <= amountFen, 'a fee lies within 0..amount');
  return result;
}

/**
 * The T0 surcharge on a real-time payout or D0 withdrawal of `grossFen`; undefined when the surcharge
 * would swallow the whole amount (such a payout is not worth sending; the money waits for T1).
 */
export function t0SurchargeFen(plan: FeePlan, grossFen: Fen): Fen | undefined {
  assert(grossFen > 0n, 'surcharges apply to positive amounts');
  assertFeePlan(plan);
  const surcharge = fen(applyRateFen(grossFen, plan.t0RateUnits) + plan.t0FixedFen);
  if (surcharge >= grossFen) return undefined;
  return surcharge;
}
