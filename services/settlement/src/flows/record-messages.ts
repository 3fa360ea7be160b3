/**
 * Payout and bill records as protobuf messages, one mapping for the gRPC API and settlement.events
 * (card data on a payout row never leaves: the message has no card fields).
 */
import type { Bill as BillMessage, Payout as PayoutMessage } from '@acq/proto/settlement/v1/settlement.ts';
import type { Bill } from '../store/bill-store.ts';
import type { Payout } from '../store/payout-store.ts';

export function payoutMessage(payout: Payout): PayoutMessage {
  return {
    payoutId: payout.payoutId,
    merchantId: payout.merchantId,
    kind: payout.kind,
    txnId: payout.txnId ?? '',
    settlementDate: payout.settlementDate ?? '',
    grossFen: payout.grossFen,
    surchargeFen: payout.surchargeFen,
    amountFen: payout.amountFen,
    state: payout.state,
    attempt: payout.attempt,
    failureReason: payout.failureReason ?? '',
    fellBackToT1: payout.fellBackToT1,
    createdAtMs: BigInt(payout.createdAtMs),
    completedAtMs: BigInt(payout.completedAtMs ?? 0),
  };
}

export function billMessage(bill: Bill, today: string): BillMessage {
  return {
    billId: bill.billId,
    merchantId: bill.merchantId,
    kind: bill.kind,
    sourceReference: bill.sourceReference,
    amountFen: bill.amountFen,
    repaidFen: bill.repaidFen,
    outstandingFen: bill.amountFen - bill.repaidFen,
    raisedOn: bill.raisedOn,
    dueOn: bill.dueOn,
    state: bill.state,
    overdue: bill.state === 'open' && bill.dueOn < today,
  };
}
