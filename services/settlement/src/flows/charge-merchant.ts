/**
 * Charging a merchant (void, refund, chargeback, service fee): take the money from the available
 * balance, then from unsettled proceeds, and turn the rest into arrears with a bill. Also the
 * automatic repayment of open bills from the merchant's next settlement money.
 */
import { assert } from '@acq/assert';
import { type Fen, fen, minFen } from '@acq/money';
import { merchantAccountId, type SystemAccountKind } from '../domain/accounts.ts';
import { addDays, localDateOf } from '../domain/calendar.ts';
import {
  chargePostings,
  type DrawdownSplit,
  settlementRepaymentPosting,
  splitDrawdown,
} from '../domain/posting-rules.ts';
import { spendableBalance, type Transfer, type TransferCode } from '../domain/transfers.ts';
import { BILL_DUE_DAYS } from '../limits.ts';
import { applyRepaymentToBill, type BillKind, insertRepayment, raiseBill, readOpenBills } from '../store/bill-store.ts';
import { applyTransfers, type Queryable, readAccounts } from '../store/ledger-store.ts';
import type { SettlementContext } from './settlement-context.ts';
import { billCreatedEvent, billRepaidEvent, writeSettlementEvents } from './settlement-outbox.ts';

export type ChargeRequest = {
  readonly key: string;
  readonly merchantId: string;
  readonly reference: string;
  readonly code: TransferCode;
  readonly amountFen: Fen;
  readonly counterparty: SystemAccountKind;
  readonly billKind: BillKind;
  /** Transfers that belong to the same business event (e.g. the fee returned by a void). */
  readonly companionTransfers: readonly Transfer[];
};

export type ChargeResult = { readonly split: DrawdownSplit; readonly billId: string | null };

export async function spendableMerchantBalances(
  client: Queryable,
  merchantId: string,
): Promise<{ availableFen: bigint; pendingFen: bigint }> {
  const availableId = merchantAccountId(merchantId, 'available');
  const pendingId = merchantAccountId(merchantId, 'pending');
  const balances = await readAccounts(client, [availableId, pendingId], 'lock');
  const available = balances.get(availableId);
  const pending = balances.get(pendingId);
  assert(available !== undefined && pending !== undefined, 'locked accounts exist');
  return {
    availableFen: spendableBalance('credit', available.totals),
    pendingFen: spendableBalance('credit', pending.totals),
  };
}

export async function chargeMerchant(
  client: Queryable,
  context: SettlementContext,
  request: ChargeRequest,
): Promise<ChargeResult> {
  assert(request.amountFen > 0n, 'charges are positive');
  const balances = await spendableMerchantBalances(client, request.merchantId);
  const split = splitDrawdown(request.amountFen, balances.availableFen, balances.pendingFen);
  await applyTransfers(
    client,
    [
      ...chargePostings({
        key: request.key,
        merchantId: request.merchantId,
        reference: request.reference,
        code: request.code,
        split,
        counterparty: request.counterparty,
      }),
      ...request.companionTransfers,
    ],
    context.clock.nowMs(),
  );
  if (split.toArrearsFen === 0n) return { split, billId: null };
  const raisedOn = localDateOf(context.clock.nowMs());
  const { billId, raised } = await raiseBill(client, {
    merchantId: request.merchantId,
    kind: request.billKind,
    sourceReference: request.reference,
    amountFen: split.toArrearsFen,
    raisedOn,
    dueOn: addDays(raisedOn, BILL_DUE_DAYS),
  });
  if (raised !== undefined) await writeSettlementEvents(client, [billCreatedEvent(raised, context.clock.nowMs())]);
  return { split, billId };
}

/** Applies a repayment to its bill and reports it (bill.repaid) in the same transaction. */
export async function applyBillRepayment(
  client: Queryable,
  repayment: { readonly billId: string; readonly repaymentId: string; readonly amountFen: Fen },
  nowMs: number,
): Promise<void> {
  const bill = await applyRepaymentToBill(client, repayment.billId, repayment.amountFen);
  await writeSettlementEvents(client, [billRepaidEvent(bill, repayment, nowMs)]);
}

/**
 * Repays open bills, oldest first, from the merchant's available balance (还款 from the next
 * settlement). Returns what was repaid. `reference` names the settlement that paid (T1 run, T0 batch).
 */
export async function repayOpenBillsFromAvailable(
  client: Queryable,
  merchantId: string,
  reference: string,
  nowMs: number,
): Promise<Fen> {
  const bills = await readOpenBills(client, merchantId, 'lock');
  if (bills.length === 0) return fen(0);
  let remaining = (await spendableMerchantBalances(client, merchantId)).availableFen;
  let repaid = 0n;
  for (const bill of bills) {
    if (remaining === 0n) break;
    const outstanding = bill.amountFen - bill.repaidFen;
    assert(outstanding > 0n, 'open bills have something outstanding');
    const amountFen = minFen(fen(outstanding), fen(remaining));
    const repaymentId = `rp_auto_${bill.billId}_${reference}`;
    const stored = await insertRepayment(client, {
      repaymentId,
      billId: bill.billId,
      merchantId,
      method: 'settlement',
      walletProvider: null,
      amountFen,
      state: 'succeeded',
      failureCode: null,
      idempotencyKey: `auto:${reference}:${bill.billId}`,
    });
    if (stored.repaymentId !== repaymentId) continue;
    await applyTransfers(client, [settlementRepaymentPosting(repaymentId, merchantId, amountFen)], nowMs);
    await applyBillRepayment(client, { billId: bill.billId, repaymentId, amountFen }, nowMs);
    remaining -= amountFen;
    repaid += amountFen;
  }
  assert(remaining >= 0n, 'repayment never overdraws the available balance');
  return fen(repaid);
}
