/**
 * settlement.events: what settlement tells others (payouts finished, T0 money falling back to T1,
 * bills raised and repaid), written to the outbox in the transaction of the ledger change it
 * reports, so a rolled-back change publishes nothing. Key = merchant id (per-merchant order).
 */
import { assert } from '@acq/assert';
import { type OutboxEventInput, writeOutboxEvents } from '@acq/bus';
import { BillChanged, PayoutFinished, T0FallbackT1 } from '@acq/proto/settlement/v1/events.ts';
import { localDateOf } from '../domain/calendar.ts';
import type { T0Refusal } from '../domain/t0-eligibility.ts';
import type { Bill } from '../store/bill-store.ts';
import type { Queryable } from '../store/ledger-store.ts';
import type { Payout } from '../store/payout-store.ts';
import { billMessage, payoutMessage } from './record-messages.ts';

export const SETTLEMENT_EVENTS_TOPIC = 'settlement.events';

export const SettlementEventType = {
  payoutSucceeded: 'payout.succeeded',
  payoutFailed: 'payout.failed',
  t0FallbackT1: 't0.fallback_t1',
  billCreated: 'bill.created',
  billRepaid: 'bill.repaid',
} as const;
export type SettlementEventType = (typeof SettlementEventType)[keyof typeof SettlementEventType];

/** Why a T0 merchant's money waits for T1 after all. */
export type T0FallbackReason = Exclude<T0Refusal, 'T0_NOT_ENABLED' | 'NOTHING_AVAILABLE'> | 'PAYOUT_FAILED';

export type T0Fallback = {
  readonly merchantId: string;
  readonly txnId: string;
  readonly amountFen: bigint;
  readonly reason: T0FallbackReason;
  readonly payoutId: string | null;
};

export async function writeSettlementEvents(client: Queryable, events: readonly OutboxEventInput[]): Promise<void> {
  if (events.length > 0) await writeOutboxEvents(client, events);
}

function event(type: SettlementEventType, merchantId: string, payload: Uint8Array, nowMs: number): OutboxEventInput {
  return { topic: SETTLEMENT_EVENTS_TOPIC, key: merchantId, type, payload, occurredAt: new Date(nowMs) };
}

/** payout.succeeded or payout.failed; a failed T0 payout's money falls back to T1 as well. */
export function payoutFinishedEvents(payout: Payout, nowMs: number): OutboxEventInput[] {
  assert(payout.state === 'succeeded' || payout.state === 'failed', 'only final payouts are reported');
  const type = payout.state === 'succeeded' ? SettlementEventType.payoutSucceeded : SettlementEventType.payoutFailed;
  const payload = PayoutFinished.encode({ payout: payoutMessage(payout), occurredAtMs: BigInt(nowMs) }).finish();
  const events = [event(type, payout.merchantId, payload, nowMs)];
  if (payout.fellBackToT1) {
    assert(payout.kind === 't0' && payout.txnId !== null, 'only T0 payouts fall back to T1');
    events.push(
      t0FallbackEvent(
        {
          merchantId: payout.merchantId,
          txnId: payout.txnId,
          amountFen: payout.grossFen,
          reason: 'PAYOUT_FAILED',
          payoutId: payout.payoutId,
        },
        nowMs,
      ),
    );
  }
  return events;
}

export function t0FallbackEvent(fallback: T0Fallback, nowMs: number): OutboxEventInput {
  assert(fallback.amountFen > 0n, 'only money falls back');
  const payload = T0FallbackT1.encode({
    merchantId: fallback.merchantId,
    txnId: fallback.txnId,
    amountFen: fallback.amountFen,
    reason: fallback.reason,
    payoutId: fallback.payoutId ?? '',
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return event(SettlementEventType.t0FallbackT1, fallback.merchantId, payload, nowMs);
}

export function billCreatedEvent(bill: Bill, nowMs: number): OutboxEventInput {
  const payload = BillChanged.encode({
    bill: billMessage(bill, localDateOf(nowMs)),
    repaymentId: '',
    repaidFen: 0n,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return event(SettlementEventType.billCreated, bill.merchantId, payload, nowMs);
}

export function billRepaidEvent(
  bill: Bill,
  repayment: { repaymentId: string; amountFen: bigint },
  nowMs: number,
): OutboxEventInput {
  assert(repayment.amountFen > 0n && bill.repaidFen >= repayment.amountFen, 'the bill carries the repayment');
  const payload = BillChanged.encode({
    bill: billMessage(bill, localDateOf(nowMs)),
    repaymentId: repayment.repaymentId,
    repaidFen: repayment.amountFen,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return event(SettlementEventType.billRepaid, bill.merchantId, payload, nowMs);
}
