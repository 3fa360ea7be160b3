/**
 * Creates T0 payouts for freshly captured transactions of T0 merchants, inside the capture's SQL
 * transaction: the payout row and its ledger hold commit together with the capture, so a crash
 * can neither lose a payout nor create one without its money held. A transaction refused T0 is
 * reported (t0.fallback_t1) in the same transaction.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { merchantAccountId } from '../domain/accounts.ts';
import { localDateOf, localDayStartMs } from '../domain/calendar.ts';
import { payoutHoldPosting } from '../domain/posting-rules.ts';
import type { MerchantProfile } from '../domain/settlement-events.ts';
import { decideT0, type T0Refusal } from '../domain/t0-eligibility.ts';
import { spendableBalance, type Transfer } from '../domain/transfers.ts';
import { merchantsWithOpenBills, merchantsWithOverdueBills } from '../store/bill-store.ts';
import { applyTransfers, type Queryable, readAccounts } from '../store/ledger-store.ts';
import { readMerchantProfiles } from '../store/merchant-profile-store.ts';
import { insertPayouts, type NewPayout, realTimePayoutGrossSince } from '../store/payout-store.ts';
import { repayOpenBillsFromAvailable } from './charge-merchant.ts';
import type { SettlementContext } from './settlement-context.ts';
import { type T0Fallback, type T0FallbackReason, t0FallbackEvent, writeSettlementEvents } from './settlement-outbox.ts';

export type CapturedCredit = { readonly txnId: string; readonly merchantId: string; readonly netFen: Fen };

type MerchantT0State = {
  profile: MerchantProfile;
  hasOverdueBill: boolean;
  usedTodayFen: bigint;
  availableFen: bigint;
};

export function t0PayoutIdFor(txnId: string): string {
  return `po_t0_${txnId}`;
}

export async function startT0Payouts(
  client: Queryable,
  context: SettlementContext,
  captured: readonly CapturedCredit[],
): Promise<number> {
  if (captured.length === 0) return 0;
  const nowMs = context.clock.nowMs();
  const states = await loadMerchantStates(client, captured, nowMs);
  const payouts: NewPayout[] = [];
  const holds: Transfer[] = [];
  const fallbacks: T0Fallback[] = [];
  for (const credit of captured) {
    const state = states.get(credit.merchantId);
    assert(state !== undefined, 'every captured merchant has a T0 state');
    const decision = decideT0({ ...state, nowMs }, credit.netFen);
    if (!decision.eligible) {
      const reason = fallbackReasonOf(decision.refusal);
      if (reason !== undefined) {
        fallbacks.push({
          merchantId: credit.merchantId,
          txnId: credit.txnId,
          amountFen: credit.netFen,
          reason,
          payoutId: null,
        });
      }
      continue;
    }
    const payoutId = t0PayoutIdFor(credit.txnId);
    const hold = payoutHoldPosting(payoutId, credit.merchantId, decision.grossFen);
    holds.push(hold);
    payouts.push({
      payoutId,
      merchantId: credit.merchantId,
      kind: 't0',
      txnId: credit.txnId,
      settlementDate: null,
      grossFen: decision.grossFen,
      surchargeFen: decision.surchargeFen,
      amountFen: decision.amountFen,
      holdTransferId: hold.id,
      idempotencyKey: null,
    });
    state.availableFen -= decision.grossFen;
    state.usedTodayFen += decision.grossFen;
  }
  await applyTransfers(client, holds, nowMs);
  await insertPayouts(client, payouts, nowMs);
  await writeSettlementEvents(
    client,
    fallbacks.map((fallback) => t0FallbackEvent(fallback, nowMs)),
  );
  return payouts.length;
}

/**
 * A refused T0 payout leaves the transaction's money for T1 (reported), except when the merchant is
 * not on T0 at all, or nothing is available because open bills took it (nothing waits for T1).
 */
function fallbackReasonOf(refusal: T0Refusal): T0FallbackReason | undefined {
  if (refusal === 'T0_NOT_ENABLED' || refusal === 'NOTHING_AVAILABLE') return undefined;
  return refusal;
}

/**
 * Locks the merchants' profiles (serialising quota use with D0 withdrawals), repays open bills from
 * the available balance first (automatic repayment from the next settlement), then reads quota use
 * and the balance left.
 */
async function loadMerchantStates(
  client: Queryable,
  captured: readonly CapturedCredit[],
  nowMs: number,
): Promise<Map<string, MerchantT0State>> {
  const merchantIds = [...new Set(captured.map((credit) => credit.merchantId))].sort();
  const profiles = await readMerchantProfiles(client, merchantIds, 'lock');
  const today = localDateOf(nowMs);
  const withOpenBills = await merchantsWithOpenBills(client, merchantIds);
  for (const merchantId of withOpenBills) {
    const firstTxn = captured.find((credit) => credit.merchantId === merchantId);
    assert(firstTxn !== undefined, 'merchants with bills come from the batch');
    await repayOpenBillsFromAvailable(client, merchantId, `t0-${firstTxn.txnId}`, nowMs);
  }
  const overdue = await merchantsWithOverdueBills(client, merchantIds, today);
  const used = await realTimePayoutGrossSince(client, merchantIds, localDayStartMs(today));
  const accountIds = merchantIds.map((merchantId) => merchantAccountId(merchantId, 'available'));
  const balances = await readAccounts(client, accountIds, 'lock');
  const states = new Map<string, MerchantT0State>();
  for (const merchantId of merchantIds) {
    const profile = profiles.get(merchantId);
    const balance = balances.get(merchantAccountId(merchantId, 'available'));
    assert(profile !== undefined && balance !== undefined, 'captured merchants have a profile and an account');
    states.set(merchantId, {
      profile,
      hasOverdueBill: overdue.has(merchantId),
      usedTodayFen: used.get(merchantId) ?? 0n,
      availableFen: spendableBalance('credit', balance.totals),
    });
  }
  return states;
}
