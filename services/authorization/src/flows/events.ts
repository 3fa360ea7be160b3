/**
 * Events on topic authorization.events (key = merchant_id), written through the outbox in the same
 * SQL transaction as the rows they describe. Event ids are derived from the transaction id and the
 * event type, so a repeated write is recognised by consumers' inboxes.
 */
import { assert } from '@acq/assert';
import { AuthorizationEvent, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import type { TransactionKind } from '../domain/transaction-kind.ts';
import type { StoredTransaction } from '../store/transaction-row.ts';
import type { AuthorizationContext } from './authorize/authorization-context.ts';
import type { OutboxEvent } from './ports.ts';
import { protoCardKindOf, protoKindOf } from './proto-kinds.ts';

export const AUTHORIZATION_EVENTS_TOPIC = 'authorization.events';
/**
 * Outbox event types are `acquirer.authorization.v1.<EventName>`; every payload is one
 * AuthorizationEvent message whose `type` field repeats the event name as an enum.
 */
export const EVENT_TYPE_PREFIX = 'acquirer.authorization.v1.';

const EVENT_TYPE_NAME: Readonly<Record<TransactionEventType, string>> = {
  [TransactionEventType.TRANSACTION_EVENT_TYPE_UNSPECIFIED]: 'Unspecified',
  [TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED]: 'TransactionApproved',
  [TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED]: 'TransactionVoided',
  [TransactionEventType.TRANSACTION_EVENT_TYPE_REFUNDED]: 'TransactionRefunded',
  [TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED]: 'TransactionReversed',
  [TransactionEventType.TRANSACTION_EVENT_TYPE_DECLINED]: 'TransactionDeclined',
  [TransactionEventType.TRANSACTION_EVENT_TYPE_BATCH_SETTLED]: 'BatchSettled',
  [TransactionEventType.TRANSACTION_EVENT_TYPE_CODE_JUMP_ATTEMPT]: 'CodeJumpAttempt',
};

export function approvedEventType(kind: TransactionKind): TransactionEventType {
  if (kind === 'void' || kind === 'preauth_void' || kind === 'completion_void') {
    return TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED;
  }
  if (kind === 'refund') return TransactionEventType.TRANSACTION_EVENT_TYPE_REFUNDED;
  return TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED;
}

export function toOutboxEvent(event: AuthorizationEvent): OutboxEvent {
  assert(event.merchantId !== '', 'events are keyed by merchant');
  assert(event.type !== TransactionEventType.TRANSACTION_EVENT_TYPE_UNSPECIFIED, 'events have a type');
  return {
    topic: AUTHORIZATION_EVENTS_TOPIC,
    key: event.merchantId,
    type: `${EVENT_TYPE_PREFIX}${EVENT_TYPE_NAME[event.type]}`,
    payload: AuthorizationEvent.encode(event).finish(),
  };
}

/** The event describing this transaction's own outcome, with the given type and response code. */
export function contextEvent(
  ctx: AuthorizationContext,
  type: TransactionEventType,
  responseCode: string,
  nowMs: number,
): AuthorizationEvent {
  const terminal = ctx.terminal;
  assert(terminal !== undefined, 'events are written after the terminal context is known');
  return AuthorizationEvent.fromPartial({
    eventId: `${ctx.txnId}:${EVENT_TYPE_NAME[type]}`,
    type,
    txnId: ctx.txnId,
    originalTxnId: ctx.original?.txnId ?? '',
    merchantId: terminal.merchantId,
    merchantNumber: terminal.merchantNumber,
    terminalId: ctx.request.terminalId,
    kind: protoKindOf(ctx.request.kind),
    amountFen: ctx.request.amountFen,
    cardKind: protoCardKindOf(ctx.cardKind),
    mcc: terminal.mcc,
    rrn: ctx.rrn,
    authCode: ctx.authCode,
    stan: ctx.request.stan,
    batchNumber: ctx.request.batchNumber,
    occurredAtMs: BigInt(nowMs),
    responseCode,
    panMasked: ctx.panMasked ?? '',
    cardToken: ctx.cardToken ?? '',
    posEntryMode: ctx.request.posEntryMode,
    feeFen: ctx.feeFen,
    t0Enabled: terminal.t0Enabled,
    merchantNumberFromTerminal: ctx.request.merchantNumberFromTerminal,
  });
}

export function declineEvents(ctx: AuthorizationContext, responseCode: string, nowMs: number): OutboxEvent[] {
  const events = [
    toOutboxEvent(contextEvent(ctx, TransactionEventType.TRANSACTION_EVENT_TYPE_DECLINED, responseCode, nowMs)),
  ];
  if (ctx.declineReason === 'code_jump') {
    const attempt = contextEvent(
      ctx,
      TransactionEventType.TRANSACTION_EVENT_TYPE_CODE_JUMP_ATTEMPT,
      responseCode,
      nowMs,
    );
    events.push(toOutboxEvent(attempt));
  }
  return events;
}

/** The reversal's own id: derived from its original, so a repeated reversal names the same one. */
export function reversalIdOf(originalTxnId: string): string {
  assert(originalTxnId.startsWith('auth_'), 'reversals reverse authorization transactions');
  return `rev_${originalTxnId.slice('auth_'.length)}`;
}

/**
 * TransactionReversed for a stored original that had been approved (money moved and now returns):
 * kind REVERSAL, txn_id the reversal's id, original_txn_id the reversed transaction, its amount.
 */
export function reversedEvent(original: StoredTransaction, reasonCode: string, nowMs: number): OutboxEvent {
  assert(original.status === 'approved', 'only approved transactions are announced as reversed');
  return toOutboxEvent(
    AuthorizationEvent.fromPartial({
      eventId: `${reversalIdOf(original.txnId)}:TransactionReversed`,
      type: TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED,
      txnId: reversalIdOf(original.txnId),
      originalTxnId: original.txnId,
      merchantId: original.merchantId,
      merchantNumber: original.merchantNumber,
      terminalId: original.terminalId,
      kind: protoKindOf('reversal'),
      amountFen: original.amountFen,
      cardKind: protoCardKindOf(original.cardKind),
      mcc: original.mcc,
      rrn: original.rrn,
      authCode: original.authCode,
      stan: original.stan,
      batchNumber: original.batchNumber,
      occurredAtMs: BigInt(nowMs),
      responseCode: reasonCode,
      panMasked: original.panMasked ?? '',
      cardToken: original.cardToken ?? '',
      posEntryMode: original.posEntryMode,
      feeFen: original.feeFen,
    }),
  );
}
