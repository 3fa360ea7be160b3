/**
 * Follow-up transactions: void, completion void, refund, reversal and pre-auth void. Each undoes or
 * reduces an earlier transaction; money already paid out is taken from the merchant's balance or
 * becomes arrears (a bill).
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import { merchantAccountId, systemAccountId, transferIdFor } from '../domain/accounts.ts';
import { bookingDateOf } from '../domain/calendar.ts';
import { feeReturnPosting, preauthReleasePosting } from '../domain/posting-rules.ts';
import type { TransactionEvent } from '../domain/settlement-events.ts';
import type { Transfer } from '../domain/transfers.ts';
import { applyTransfers, type Queryable, readUnresolvedHolds } from '../store/ledger-store.ts';
import {
  addRefunded,
  insertTransactions,
  markCancelled,
  readTransaction,
  type TransactionRecord,
} from '../store/transaction-store.ts';
import { cancelUnsentT0Payout } from './cancel-unsent-t0-payout.ts';
import { chargeMerchant } from './charge-merchant.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from './settlement-context.ts';

const CAPTURE_KINDS = new Set(['PURCHASE', 'COMPLETION']);

/** Returns false when the follow-up was recorded before (a redelivery or a producer retry): nothing moves. */
export async function applyFollowUp(
  client: Queryable,
  context: SettlementContext,
  event: TransactionEvent,
): Promise<boolean> {
  assert(event.originalTxnId !== null, 'follow-ups name their original');
  if ((await readTransaction(client, event.txnId, 'no_lock')) !== undefined) return false;
  const original = await readTransaction(client, event.originalTxnId, 'lock');
  if (original === undefined) {
    throw new SettlementError(SettlementErrorCode.originalNotFound, `original of ${event.txnId} not found`);
  }
  assert(original.merchantId === event.merchantId, 'a follow-up belongs to its original merchant');
  const effect = await planEffect(client, event, original);
  const record = followUpRecord(context, event, original, effect);
  const inserted = await insertTransactions(client, [record]);
  if (!inserted.has(event.txnId)) return false;
  await effect.apply(client, context);
  return true;
}

type Effect = {
  readonly netFen: Fen;
  readonly feeFen: Fen;
  apply(client: Queryable, context: SettlementContext): Promise<void>;
};

const NO_EFFECT: Effect = { netFen: fen(0), feeFen: fen(0), apply: async () => {} };

async function planEffect(client: Queryable, event: TransactionEvent, original: TransactionRecord): Promise<Effect> {
  const releasesPreauth = event.kind === 'PREAUTH_VOID' || (event.kind === 'REVERSAL' && original.kind === 'PREAUTH');
  if (releasesPreauth) return releasePreauthEffect(client, event, original);
  if (CAPTURE_KINDS.has(original.kind) && event.kind === 'REFUND') return refundEffect(event, original);
  if (CAPTURE_KINDS.has(original.kind)) return cancellationEffect(event, original);
  if (event.kind === 'REVERSAL' && (original.kind === 'VOID' || original.kind === 'COMPLETION_VOID')) {
    return undoCancellationEffect(client, event, original);
  }
  if (event.kind === 'REVERSAL' && original.kind === 'REFUND') return undoRefundEffect(client, event, original);
  throw new SettlementError(SettlementErrorCode.invalidInput, `${event.kind} cannot follow ${original.kind}`);
}

async function releasePreauthEffect(
  client: Queryable,
  event: TransactionEvent,
  original: TransactionRecord,
): Promise<Effect> {
  const holdId = transferIdFor(`preauth:${original.txnId}:hold`);
  const hold = (await readUnresolvedHolds(client, [holdId])).get(holdId);
  if (hold === undefined) return NO_EFFECT;
  return {
    netFen: fen(0),
    feeFen: fen(0),
    apply: async (inner, context) => {
      await applyTransfers(inner, [preauthReleasePosting(hold, event.txnId)], context.clock.nowMs());
      await markCancelled(inner, original.txnId, event.txnId);
    },
  };
}

function cancellationEffect(event: TransactionEvent, original: TransactionRecord): Effect {
  if (original.cancelledBy !== null) return NO_EFFECT;
  if (original.refundedFen > 0n) {
    throw new SettlementError(
      SettlementErrorCode.invalidInput,
      `${original.txnId} was refunded and cannot be cancelled`,
    );
  }
  const feeReturn =
    original.feeFen > 0n
      ? [feeReturnPosting(`cancel:${event.txnId}:fee`, original.merchantId, event.txnId, original.feeFen)]
      : [];
  return {
    netFen: fen(-original.netFen),
    feeFen: original.feeFen,
    apply: async (inner, context) => {
      // Only captures credited to the available balance (T0 merchants) can have a T0 payout.
      if (original.creditedTo === 'available') await cancelUnsentT0Payout(inner, original.txnId, context.clock.nowMs());
      if (original.netFen > 0n) {
        await chargeMerchant(inner, context, {
          key: `cancel:${event.txnId}`,
          merchantId: original.merchantId,
          reference: event.txnId,
          code: 'cancellation',
          amountFen: original.netFen,
          counterparty: 'network_receivable',
          billKind: 'void_shortfall',
          companionTransfers: feeReturn,
        });
      } else {
        await applyTransfers(inner, feeReturn, context.clock.nowMs());
      }
      await markCancelled(inner, original.txnId, event.txnId);
    },
  };
}

function refundEffect(event: TransactionEvent, original: TransactionRecord): Effect {
  const refundableFen = original.amountFen - original.refundedFen;
  if (original.cancelledBy !== null || event.amountFen > refundableFen) {
    throw new SettlementError(SettlementErrorCode.refundExceedsOriginal, `refund ${event.txnId} exceeds its original`);
  }
  return {
    netFen: fen(-event.amountFen),
    feeFen: fen(0),
    apply: async (inner, context) => {
      // Policy (README): a refund returns the amount, not the merchant fee of the original.
      await chargeMerchant(inner, context, {
        key: `refund:${event.txnId}`,
        merchantId: original.merchantId,
        reference: event.txnId,
        code: 'refund',
        amountFen: event.amountFen,
        counterparty: 'network_receivable',
        billKind: 'refund_shortfall',
        companionTransfers: [],
      });
      await addRefunded(inner, original.txnId, event.amountFen);
    },
  };
}

function creditBack(key: string, merchantId: string, reference: string, amountFen: Fen, feeFen: Fen): Transfer[] {
  const receivable = systemAccountId('network_receivable', merchantId);
  const base = { flags: 'posted', pendingId: null, reference, merchantId } as const;
  const transfers: Transfer[] = [];
  if (amountFen > 0n) {
    const creditAccountId = merchantAccountId(merchantId, 'available');
    transfers.push({
      ...base,
      id: transferIdFor(`${key}:net`),
      debitAccountId: receivable,
      creditAccountId,
      amountFen,
      code: 'capture',
    });
  }
  if (feeFen > 0n) {
    const creditAccountId = systemAccountId('fee_income', merchantId);
    transfers.push({
      ...base,
      id: transferIdFor(`${key}:fee`),
      debitAccountId: receivable,
      creditAccountId,
      amountFen: feeFen,
      code: 'capture_fee',
    });
  }
  return transfers;
}

/** Reversal of a void: the voided purchase stands again; its net comes back as available money. */
async function undoCancellationEffect(
  client: Queryable,
  event: TransactionEvent,
  voidRecord: TransactionRecord,
): Promise<Effect> {
  assert(voidRecord.originalTxnId !== null, 'voids name their original');
  const purchase = await readTransaction(client, voidRecord.originalTxnId, 'lock');
  assert(purchase !== undefined, 'a recorded void has a recorded original');
  if (purchase.cancelledBy !== voidRecord.txnId) return NO_EFFECT;
  return {
    netFen: fen(-voidRecord.netFen),
    feeFen: voidRecord.feeFen,
    apply: async (inner, context) => {
      const amountFen = fen(-voidRecord.netFen);
      await applyTransfers(
        inner,
        creditBack(`undo:${event.txnId}`, purchase.merchantId, event.txnId, amountFen, voidRecord.feeFen),
        context.clock.nowMs(),
      );
      await markCancelled(inner, purchase.txnId, null);
    },
  };
}

async function undoRefundEffect(
  client: Queryable,
  event: TransactionEvent,
  refund: TransactionRecord,
): Promise<Effect> {
  assert(refund.originalTxnId !== null, 'refunds name their original');
  const purchase = await readTransaction(client, refund.originalTxnId, 'lock');
  assert(purchase !== undefined, 'a recorded refund has a recorded original');
  return {
    netFen: refund.amountFen,
    feeFen: fen(0),
    apply: async (inner, context) => {
      await applyTransfers(
        inner,
        creditBack(`undo:${event.txnId}`, purchase.merchantId, event.txnId, refund.amountFen, fen(0)),
        context.clock.nowMs(),
      );
      await addRefunded(inner, purchase.txnId, -refund.amountFen);
    },
  };
}

function followUpRecord(
  context: SettlementContext,
  event: TransactionEvent,
  original: TransactionRecord,
  effect: Effect,
): TransactionRecord {
  const bookingDate = bookingDateOf(event.occurredAtMs, context.cutoffMinuteOfDay);
  return {
    txnId: event.txnId,
    merchantId: event.merchantId,
    merchantNumber: event.merchantNumber,
    terminalId: event.terminalId,
    kind: event.kind,
    amountFen: event.amountFen,
    feeFen: effect.feeFen,
    netFen: effect.netFen,
    cardKind: event.cardKind,
    rrn: event.rrn,
    authCode: event.authCode,
    stan: event.stan,
    batchNumber: event.batchNumber,
    originalTxnId: original.txnId,
    occurredAtMs: event.occurredAtMs,
    bookingDate,
    settlementDate: context.calendar().nextBusinessDay(bookingDate),
    settlementMode: 't1',
    creditedTo: original.creditedTo,
    refundedFen: fen(0),
    cancelledBy: null,
  };
}
