/** Builds the merchant.events outbox rows (key = merchant id, so consumers see one merchant in order). */
import { assert } from '@acq/assert';
import { MerchantChanged, TerminalChanged } from '@acq/proto/merchant/v1/merchant.ts';
import { newEventId } from '@acq/bus';
import type { MerchantRecord, TerminalRecord } from '../store/records.ts';
import type { OutboxEvent } from './ports.ts';

export const MERCHANT_EVENTS_TOPIC = 'merchant.events';
/** Bus event types are the fully qualified protobuf message names. */
export const MERCHANT_CHANGED_TYPE = 'acquirer.merchant.v1.MerchantChanged';
export const TERMINAL_CHANGED_TYPE = 'acquirer.merchant.v1.TerminalChanged';

export type MerchantChange = 'created' | 'status_changed' | 'fee_plan_changed' | 't0_enabled' | 't0_disabled';
export type TerminalChange =
  | 'registered'
  | 'activated'
  | 'rebound'
  | 'signed_in'
  | 'signed_off'
  | 'batch_changed'
  | 'status_changed'
  | 'location_reported';

export function merchantChangedEvent(merchant: MerchantRecord, change: MerchantChange, nowMs: number): OutboxEvent {
  const id = newEventId(nowMs);
  const payload = MerchantChanged.encode({
    eventId: id,
    merchantId: merchant.merchantId,
    merchantNumber: merchant.merchantNumber,
    change,
    status: merchant.status,
    t0Enabled: merchant.t0Enabled,
    contextVersion: merchant.version,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return { id, topic: MERCHANT_EVENTS_TOPIC, key: merchant.merchantId, type: MERCHANT_CHANGED_TYPE, payload };
}

export function terminalChangedEvent(
  terminal: TerminalRecord,
  change: TerminalChange,
  nowMs: number,
  previousMerchantId = '',
): OutboxEvent {
  assert(change !== 'rebound' || previousMerchantId !== '', 'a rebound names the merchant the terminal left');
  const id = newEventId(nowMs);
  const payload = TerminalChanged.encode({
    eventId: id,
    terminalId: terminal.terminalId,
    merchantId: terminal.merchantId,
    change,
    status: terminal.status,
    previousMerchantId,
    contextVersion: terminal.version,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return { id, topic: MERCHANT_EVENTS_TOPIC, key: terminal.merchantId, type: TERMINAL_CHANGED_TYPE, payload };
}
