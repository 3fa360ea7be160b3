/**
 * T0 (实时到账) rules, pure: whether one captured transaction is paid out in real time, and for how
 * much. Anything refused here is not lost: the money stays in the available balance and the next
 * T1 run (or a D0 withdrawal) pays it.
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import { t0SurchargeFen } from './fees.ts';
import type { MerchantProfile } from './settlement-events.ts';

export type T0Refusal =
  | 'T0_NOT_ENABLED'
  | 'T0_SUSPENDED'
  | 'BILL_OVERDUE'
  | 'SINGLE_LIMIT'
  | 'DAILY_QUOTA'
  | 'NOTHING_AVAILABLE'
  | 'SURCHARGE_EXCEEDS_AMOUNT';

export type T0Decision =
  | { readonly eligible: true; readonly grossFen: Fen; readonly surchargeFen: Fen; readonly amountFen: Fen }
  | { readonly eligible: false; readonly refusal: T0Refusal };

export type T0Situation = {
  readonly profile: MerchantProfile;
  readonly nowMs: number;
  readonly hasOverdueBill: boolean;
  /** T0/D0 gross already paid or in flight today. */
  readonly usedTodayFen: bigint;
  /** Spendable available balance not yet committed to another payout. */
  readonly availableFen: bigint;
};

export function merchantT0Refusal(situation: T0Situation): T0Refusal | undefined {
  const profile = situation.profile;
  if (!profile.t0Enabled) return 'T0_NOT_ENABLED';
  if (profile.t0SuspendedUntilMs !== null && profile.t0SuspendedUntilMs > situation.nowMs) return 'T0_SUSPENDED';
  if (situation.hasOverdueBill) return 'BILL_OVERDUE';
  return undefined;
}

/** Real-time payout of `requestedFen` (one transaction's net, or a D0 withdrawal). */
export function decideT0(situation: T0Situation, requestedFen: Fen): T0Decision {
  assert(requestedFen > 0n, 'payouts are requested for positive amounts');
  assert(situation.usedTodayFen >= 0n && situation.availableFen >= 0n, 'quota use and balance are not negative');
  const refusal = merchantT0Refusal(situation);
  if (refusal !== undefined) return { eligible: false, refusal };
  if (requestedFen > situation.profile.t0SingleLimitFen) return { eligible: false, refusal: 'SINGLE_LIMIT' };
  const grossFen = fen(requestedFen < situation.availableFen ? requestedFen : situation.availableFen);
  if (grossFen === 0n) return { eligible: false, refusal: 'NOTHING_AVAILABLE' };
  if (situation.usedTodayFen + grossFen > situation.profile.t0DailyQuotaFen)
    return { eligible: false, refusal: 'DAILY_QUOTA' };
  const surchargeFen = t0SurchargeFen(situation.profile.feePlan, grossFen);
  if (surchargeFen === undefined) return { eligible: false, refusal: 'SURCHARGE_EXCEEDS_AMOUNT' };
  const amountFen = fen(grossFen - surchargeFen);
  assert(amountFen > 0n && amountFen + surchargeFen === grossFen, 'paid amount and surcharge make up the gross');
  return { eligible: true, grossFen, surchargeFen, amountFen };
}
