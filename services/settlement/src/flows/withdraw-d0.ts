/**
 * D0 withdrawal: the merchant takes (part of) the available balance now, paid over the bank rails
 * like a T0 payout and counted against the same daily quota and surcharge. Idempotent by the
 * caller's key: the same key and amount return the first withdrawal; a different amount is refused.
 */
import { randomUUID } from 'node:crypto';
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import type { Fen } from '@acq/money';
import { merchantAccountId } from '../domain/accounts.ts';
import { localDateOf, localDayStartMs } from '../domain/calendar.ts';
import { payoutHoldPosting } from '../domain/posting-rules.ts';
import { decideT0, merchantT0Refusal } from '../domain/t0-eligibility.ts';
import { spendableBalance } from '../domain/transfers.ts';
import { merchantsWithOverdueBills } from '../store/bill-store.ts';
import { applyTransfers, type Queryable, readAccounts } from '../store/ledger-store.ts';
import { readMerchantProfiles } from '../store/merchant-profile-store.ts';
import {
  insertPayouts,
  type Payout,
  readPayout,
  readPayoutByIdempotencyKey,
  realTimePayoutGrossSince,
} from '../store/payout-store.ts';
import { repayOpenBillsFromAvailable } from './charge-merchant.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from './settlement-context.ts';

export type WithdrawalRequest = {
  readonly merchantId: string;
  readonly amountFen: Fen;
  readonly idempotencyKey: string;
};

const REFUSAL_ERRORS = {
  T0_NOT_ENABLED: SettlementErrorCode.t0NotEnabled,
  T0_SUSPENDED: SettlementErrorCode.t0Suspended,
  BILL_OVERDUE: SettlementErrorCode.t0Suspended,
  SINGLE_LIMIT: SettlementErrorCode.quotaExceeded,
  DAILY_QUOTA: SettlementErrorCode.quotaExceeded,
  NOTHING_AVAILABLE: SettlementErrorCode.insufficientFunds,
  SURCHARGE_EXCEEDS_AMOUNT: SettlementErrorCode.amountTooSmall,
} as const;

export async function withdrawD0(context: SettlementContext, request: WithdrawalRequest): Promise<Payout> {
  if (request.amountFen <= 0n)
    throw new SettlementError(SettlementErrorCode.invalidInput, 'amountFen must be positive');
  return withTransaction(context.pool, async (client) => {
    const profile = (await readMerchantProfiles(client, [request.merchantId], 'lock')).get(request.merchantId);
    if (profile === undefined) throw new SettlementError(SettlementErrorCode.merchantUnknown, 'merchant unknown');
    const existing = await readPayoutByIdempotencyKey(client, request.merchantId, request.idempotencyKey);
    if (existing !== undefined) {
      if (existing.grossFen !== request.amountFen) {
        throw new SettlementError(
          SettlementErrorCode.idempotencyConflict,
          'idempotencyKey was used for another amount',
        );
      }
      return existing;
    }
    const nowMs = context.clock.nowMs();
    const today = localDateOf(nowMs);
    const overdue = await merchantsWithOverdueBills(client, [request.merchantId], today);
    const situationBase = {
      profile,
      nowMs,
      hasOverdueBill: overdue.has(request.merchantId),
      usedTodayFen: 0n,
      availableFen: 0n,
    };
    const merchantRefusal = merchantT0Refusal(situationBase);
    if (merchantRefusal !== undefined)
      throw new SettlementError(REFUSAL_ERRORS[merchantRefusal], `D0 refused: ${merchantRefusal}`);
    await repayOpenBillsFromAvailable(client, request.merchantId, `d0-${request.idempotencyKey}`, nowMs);
    const availableId = merchantAccountId(request.merchantId, 'available');
    const balance = (await readAccounts(client, [availableId], 'lock')).get(availableId);
    assert(balance !== undefined, 'the locked account exists');
    const availableFen = spendableBalance('credit', balance.totals);
    if (request.amountFen > availableFen) {
      throw new SettlementError(
        SettlementErrorCode.insufficientFunds,
        'the available balance is lower than the amount',
      );
    }
    const used = await realTimePayoutGrossSince(client, [request.merchantId], localDayStartMs(today));
    const decision = decideT0(
      { ...situationBase, usedTodayFen: used.get(request.merchantId) ?? 0n, availableFen },
      request.amountFen,
    );
    if (!decision.eligible)
      throw new SettlementError(REFUSAL_ERRORS[decision.refusal], `D0 refused: ${decision.refusal}`);
    assert(decision.grossFen === request.amountFen, 'a D0 withdrawal pays exactly what was asked');
    const payoutId = await createD0Payout(client, request, decision, nowMs);
    const created = await readPayout(client, payoutId, 'no_lock');
    assert(created !== undefined, 'the withdrawal was just inserted');
    return created;
  });
}

async function createD0Payout(
  client: Queryable,
  request: WithdrawalRequest,
  decision: { grossFen: Fen; surchargeFen: Fen; amountFen: Fen },
  nowMs: number,
): Promise<string> {
  const payoutId = `po_d0_${randomUUID()}`;
  const hold = payoutHoldPosting(payoutId, request.merchantId, decision.grossFen);
  await applyTransfers(client, [hold], nowMs);
  const payout = {
    payoutId,
    merchantId: request.merchantId,
    kind: 'd0',
    txnId: null,
    settlementDate: null,
    grossFen: decision.grossFen,
    surchargeFen: decision.surchargeFen,
    amountFen: decision.amountFen,
    holdTransferId: hold.id,
    idempotencyKey: request.idempotencyKey,
  } as const;
  await insertPayouts(client, [payout], nowMs);
  return payoutId;
}
