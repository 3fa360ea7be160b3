/** Builds the merchant.events outbox rows (key = merchant id, so consumers see one merchant in order). */
import { assert } from '@acq/assert';
import { MerchantChanged, TerminalChanged } from '@acq/proto/merchant/v1/merchant.ts';
import { ID_PREFIX, newId } from '../domain/ids.ts';
import type { MerchantRecord, TerminalRecord } from '../store/records.ts';
import type { OutboxEvent } from './ports.ts';

export const MERCHANT_EVENTS_TOPIC = 'merchant.events';

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
  const payload = MerchantChanged.encode({
    eventId: newId(ID_PREFIX.event),
    merchantId: merchant.merchantId,
    merchantNumber: merchant.merchantNumber,
    change,
    status: merchant.status,
    t0Enabled: merchant.t0Enabled,
    contextVersion: merchant.version,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return { topic: MERCHANT_EVENTS_TOPIC, key: merchant.merchantId, type: 'MerchantChanged', payload };
}

export function terminalChangedEvent(
  terminal: TerminalRecord,
  change: TerminalChange,
  nowMs: number,
  previousMerchantId = '',
): OutboxEvent {
  assert(change !== 'rebound' || previousMerchantId !== '', 'a rebound names the merchant the terminal left');
  const payload = TerminalChanged.encode({
    eventId: newId(ID_PREFIX.event),
    terminalId: terminal.terminalId,
    merchantId: terminal.merchantId,
    change,
    status: terminal.status,
    previousMerchantId,
    contextVersion: terminal.version,
    occurredAtMs: BigInt(nowMs),
  }).finish();
  return { topic: MERCHANT_EVENTS_TOPIC, key: terminal.merchantId, type: 'TerminalChanged', payload };
}
