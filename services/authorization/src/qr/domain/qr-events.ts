/**
 * The money events of QR payments: the same AuthorizationEvent a card purchase or refund writes
 * (flows/events.ts toOutboxEvent), with pos_entry_mode 03x and the merchant's fee inputs, so
 * settlement books QR payments exactly like card payments (ledger, fees, T0/T1, statements).
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { AuthorizationEvent, CardKind, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { toOutboxEvent } from '../../flows/events.ts';
import type { OutboxEvent } from '../../flows/ports.ts';
import type { QrOrder } from './qr-order.ts';

/** Field 22 of a QR payment: scan code (03), no PIN (2). */
export const QR_POS_ENTRY_MODE = '032';
const APPROVED_RESPONSE_CODE = '00';

function qrEvent(order: QrOrder, fields: Partial<AuthorizationEvent>): AuthorizationEvent {
  return AuthorizationEvent.fromPartial({
    merchantId: order.merchantId,
    merchantNumber: order.merchantNumber,
    terminalId: order.terminalId,
    cardKind: CardKind.CARD_KIND_UNSPECIFIED,
    mcc: order.mcc,
    responseCode: APPROVED_RESPONSE_CODE,
    posEntryMode: QR_POS_ENTRY_MODE,
    t0Enabled: order.t0Enabled,
    merchantNumberFromTerminal: order.merchantNumber,
    ...fields,
  });
}

/** TransactionApproved for an HTTP-channel order that became SUCCESS (terminal orders are announced by the card pipeline). */
export function qrPaidEvent(order: QrOrder, paidAtMs: number): OutboxEvent {
  assert(order.channel === 'http', 'terminal scan-code purchases are announced by the card pipeline');
  return toOutboxEvent(
    qrEvent(order, {
      eventId: `${order.orderId}:TransactionApproved`,
      type: TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED,
      txnId: order.orderId,
      kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
      amountFen: order.amountFen,
      occurredAtMs: BigInt(paidAtMs),
      feeFen: order.feeFen,
    }),
  );
}

/** TransactionRefunded for a refund the provider confirmed; the original is the transaction that was announced. */
export function qrRefundedEvent(order: QrOrder, refundId: string, amountFen: Fen, refundedAtMs: number): OutboxEvent {
  assert(amountFen > 0n && amountFen <= order.amountFen, 'a refund stays within the order');
  return toOutboxEvent(
    qrEvent(order, {
      eventId: `${refundId}:TransactionRefunded`,
      type: TransactionEventType.TRANSACTION_EVENT_TYPE_REFUNDED,
      txnId: refundId,
      originalTxnId: order.channel === 'terminal' ? order.authTxnId : order.orderId,
      kind: TransactionKind.TRANSACTION_KIND_REFUND,
      amountFen,
      occurredAtMs: BigInt(refundedAtMs),
      feeFen: 0n,
    }),
  );
}
