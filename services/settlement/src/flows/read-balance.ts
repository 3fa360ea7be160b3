/** The real-time balance: the merchant's accounts read in one statement, plus its T0 standing today. */
import { type Fen, fen } from '@acq/money';
import { MERCHANT_ACCOUNT_KINDS, merchantAccountId } from '../domain/accounts.ts';
import { localDateOf, localDayStartMs } from '../domain/calendar.ts';
import { merchantT0Refusal } from '../domain/t0-eligibility.ts';
import { postedBalance, spendableBalance, zeroTotals } from '../domain/transfers.ts';
import { merchantsWithOverdueBills } from '../store/bill-store.ts';
import { readAccounts } from '../store/ledger-store.ts';
import { readMerchantProfiles } from '../store/merchant-profile-store.ts';
import { realTimePayoutGrossSince } from '../store/payout-store.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from './settlement-context.ts';

export type MerchantBalance = {
  readonly merchantId: string;
  readonly availableFen: Fen;
  readonly pendingFen: Fen;
  readonly inPayoutFen: Fen;
  readonly arrearsFen: Fen;
  readonly t0Enabled: boolean;
  readonly t0Suspended: boolean;
  readonly t0QuotaRemainingFen: Fen;
  readonly asOfMs: number;
};

export async function readMerchantBalance(context: SettlementContext, merchantId: string): Promise<MerchantBalance> {
  const profile = (await readMerchantProfiles(context.pool, [merchantId], 'no_lock')).get(merchantId);
  if (profile === undefined) throw new SettlementError(SettlementErrorCode.merchantUnknown, 'merchant unknown');
  const ids = MERCHANT_ACCOUNT_KINDS.map((kind) => merchantAccountId(merchantId, kind));
  const accounts = await readAccounts(context.pool, ids, 'no_lock');
  const totalsOf = (kind: (typeof MERCHANT_ACCOUNT_KINDS)[number]) =>
    accounts.get(merchantAccountId(merchantId, kind))?.totals ?? zeroTotals();
  const nowMs = context.clock.nowMs();
  const today = localDateOf(nowMs);
  const overdue = await merchantsWithOverdueBills(context.pool, [merchantId], today);
  const used =
    (await realTimePayoutGrossSince(context.pool, [merchantId], localDayStartMs(today))).get(merchantId) ?? 0n;
  const refusal = merchantT0Refusal({
    profile,
    nowMs,
    hasOverdueBill: overdue.has(merchantId),
    usedTodayFen: used,
    availableFen: 0n,
  });
  const remaining = profile.t0DailyQuotaFen - used;
  return {
    merchantId,
    availableFen: fen(spendableBalance('credit', totalsOf('available'))),
    pendingFen: fen(spendableBalance('credit', totalsOf('pending'))),
    inPayoutFen: fen(totalsOf('payable').creditsPending + postedBalance('credit', totalsOf('payable'))),
    arrearsFen: fen(postedBalance('debit', totalsOf('arrears'))),
    t0Enabled: profile.t0Enabled,
    t0Suspended: profile.t0Enabled && refusal !== undefined,
    t0QuotaRemainingFen: fen(remaining > 0n ? remaining : 0n),
    asOfMs: nowMs,
  };
}
