/**
 * Bus handlers: authorization.events (money) and merchant.events (profile refresh). Thin: decode
 * the protobuf payload, map it to the typed domain input, call one flow inside the consumer's
 * transaction (its inbox marks commit with our postings).
 */
import type { BatchEventHandler, BusEvent } from '@acq/bus';
import { fen } from '@acq/money';
import { AuthorizationEvent, CardKind, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { TransactionKind as ProtoKind } from '@acq/proto/authorization/v1/authorization.ts';
import { SettlementCardChanged } from '@acq/proto/card_registry/v1/card_registry.ts';
import { MerchantChanged } from '@acq/proto/merchant/v1/merchant.ts';
import type pg from 'pg';
import type { TransactionEvent, TransactionKind } from '../domain/settlement-events.ts';
import { applyTransactionEventsWithin } from '../flows/apply-transaction-events.ts';
import type { SettlementContext } from '../flows/settlement-context.ts';
import { suspendT0, upsertMerchantProfile } from '../store/merchant-profile-store.ts';

export const AUTHORIZATION_EVENTS_TOPIC = 'authorization.events';
export const MERCHANT_EVENTS_TOPIC = 'merchant.events';
export const CARD_REGISTRY_EVENTS_TOPIC = 'card_registry.events';
const MERCHANT_CHANGED_TYPE = 'acquirer.merchant.v1.MerchantChanged';
const SETTLEMENT_CARD_CHANGED_TYPE = 'acquirer.card_registry.v1.SettlementCardChanged';

const KIND_BY_PROTO = new Map<number, TransactionKind>([
  [ProtoKind.TRANSACTION_KIND_PURCHASE, 'PURCHASE'],
  [ProtoKind.TRANSACTION_KIND_PREAUTH, 'PREAUTH'],
  [ProtoKind.TRANSACTION_KIND_COMPLETION, 'COMPLETION'],
  [ProtoKind.TRANSACTION_KIND_VOID, 'VOID'],
  [ProtoKind.TRANSACTION_KIND_PREAUTH_VOID, 'PREAUTH_VOID'],
  [ProtoKind.TRANSACTION_KIND_COMPLETION_VOID, 'COMPLETION_VOID'],
  [ProtoKind.TRANSACTION_KIND_REFUND, 'REFUND'],
]);

const MONEY_EVENT_TYPES: ReadonlySet<number> = new Set([
  TransactionEventType.TRANSACTION_EVENT_TYPE_APPROVED,
  TransactionEventType.TRANSACTION_EVENT_TYPE_VOIDED,
  TransactionEventType.TRANSACTION_EVENT_TYPE_REFUNDED,
  TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED,
]);

/**
 * The settlement input of an authorization event; undefined for events that move no money
 * (declines, batch totals, 跳码 attempts, balance inquiries). A card of unknown kind (wallet
 * payments) is priced at the credit rate, which has no debit cap.
 */
export function transactionEventOf(busEventId: string, message: AuthorizationEvent): TransactionEvent | undefined {
  if (!MONEY_EVENT_TYPES.has(message.type) || message.amountFen <= 0n) return undefined;
  const reversed = message.type === TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED;
  const kind = reversed ? 'REVERSAL' : KIND_BY_PROTO.get(message.kind);
  if (kind === undefined) return undefined;
  return {
    eventId: busEventId,
    txnId: message.txnId,
    merchantId: message.merchantId,
    merchantNumber: message.merchantNumber,
    terminalId: message.terminalId,
    kind,
    amountFen: fen(message.amountFen),
    cardKind: message.cardKind === CardKind.CARD_KIND_DEBIT ? 'debit' : 'credit',
    rrn: message.rrn,
    authCode: message.authCode,
    stan: message.stan,
    batchNumber: message.batchNumber,
    occurredAtMs: Number(message.occurredAtMs),
    originalTxnId: message.originalTxnId === '' ? null : message.originalTxnId,
  };
}

/**
 * Applies a consumer batch of authorization events (one partition, in order) in the consumer's
 * transaction: one multi-row insert of the transactions and one ledger call for the batch's
 * captures, so the consumer keeps up with authorization without a round trip per event.
 */
export function authorizationBatchHandler(context: SettlementContext): BatchEventHandler {
  return async (events, client) => {
    const inputs: TransactionEvent[] = [];
    for (const event of events) {
      const input = transactionEventOf(event.id, AuthorizationEvent.decode(event.payload));
      if (input !== undefined) inputs.push(input);
    }
    if (inputs.length > 0) await applyTransactionEventsWithin(client, context, inputs);
  };
}

export function merchantEventHandler(context: SettlementContext) {
  return async (event: BusEvent, client: pg.PoolClient): Promise<void> => {
    if (event.type !== MERCHANT_CHANGED_TYPE) return;
    const changed = MerchantChanged.decode(event.payload);
    const profile = await context.merchants.merchantProfile(changed.merchantId);
    if (profile !== undefined) await upsertMerchantProfile(client, profile);
  };
}

/** A settlement-card change suspends T0 for the policy period the card registry announces. */
export function cardRegistryEventHandler() {
  return async (event: BusEvent, client: pg.PoolClient): Promise<void> => {
    if (event.type !== SETTLEMENT_CARD_CHANGED_TYPE) return;
    const changed = SettlementCardChanged.decode(event.payload);
    if (changed.t0SuspendedUntilMs > 0n)
      await suspendT0(client, changed.merchantId, Number(changed.t0SuspendedUntilMs));
  };
}
