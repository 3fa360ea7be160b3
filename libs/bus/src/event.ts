import { randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';
import { context, propagation } from '@opentelemetry/api';
import { EVENT_HEADER_COUNT_MAX, EVENT_KEY_LENGTH_MAX, EVENT_PAYLOAD_BYTES_MAX } from './limits.ts';

/** Envelope of every event on the bus; the payload is protobuf bytes from proto/. */
export interface BusEvent {
  /** UUID v7: unique, and sortable by creation time. */
  id: string;
  topic: string;
  /** Ordering key (for example the merchant id): events with one key are consumed in order. */
  key: string;
  /** Fully qualified protobuf message name, e.g. acquirer.authorization.v1.AuthorizationApproved. */
  type: string;
  payload: Uint8Array;
  /** traceparent / tracestate (W3C) and content-type. */
  headers: Record<string, string>;
  occurredAt: Date;
}

export interface OutboxEventInput {
  topic: string;
  key: string;
  type: string;
  payload: Uint8Array;
  /** Extra headers; trace context of the active span is added automatically. */
  headers?: Record<string, string>;
  occurredAt?: Date;
  /** Supply only when the event must keep a known id (for example a re-emitted event). */
  id?: string;
}

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
const TOPIC_PATTERN = /^[a-z0-9][a-z0-9._-]{0,199}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** RFC 9562 UUID version 7: 48-bit Unix milliseconds, then random bits. */
export function newEventId(nowMs: number = Date.now()): string {
  assert(Number.isSafeInteger(nowMs) && nowMs >= 0, 'timestamp is a non-negative integer');
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isEventId(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** The active trace context as W3C headers (empty when tracing is not set up). */
export function currentTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Builds the envelope and checks it against the bus limits. Programmer errors (bad topic, oversized
 * payload) fail an assertion: producers build events from code, never from raw input.
 */
export function buildEvent(input: OutboxEventInput, nowMs: number = Date.now()): BusEvent {
  assert(TOPIC_PATTERN.test(input.topic), `invalid topic name: ${input.topic}`);
  assert(input.key.length > 0 && input.key.length <= EVENT_KEY_LENGTH_MAX, 'event key length out of range');
  assert(input.type.length > 0, 'event type must be set');
  assert(input.payload.byteLength <= EVENT_PAYLOAD_BYTES_MAX, 'event payload too large');
  const headers = { 'content-type': PROTOBUF_CONTENT_TYPE, ...currentTraceHeaders(), ...input.headers };
  assert(Object.keys(headers).length <= EVENT_HEADER_COUNT_MAX, 'too many event headers');
  const id = input.id ?? newEventId(nowMs);
  assert(isEventId(id), 'event id must be a lower-case UUID');
  return {
    id,
    topic: input.topic,
    key: input.key,
    type: input.type,
    payload: input.payload,
    headers,
    occurredAt: input.occurredAt ?? new Date(nowMs),
  };
}

/** Row shape shared by the outbox, the Postgres log and the dead-letter table. */
export interface EventRow {
  event_id: string;
  topic: string;
  event_key: string;
  event_type: string;
  payload: Buffer;
  headers: Record<string, string>;
  occurred_at: Date;
}

export function eventFromRow(row: EventRow): BusEvent {
  return {
    id: row.event_id,
    topic: row.topic,
    key: row.event_key,
    type: row.event_type,
    payload: new Uint8Array(row.payload.buffer, row.payload.byteOffset, row.payload.byteLength),
    headers: row.headers,
    occurredAt: row.occurred_at,
  };
}

/** Column arrays for `unnest(...)` inserts: one statement per batch instead of one per event. */
export function eventColumns(events: readonly BusEvent[]) {
  return {
    ids: events.map((event) => event.id),
    topics: events.map((event) => event.topic),
    keys: events.map((event) => event.key),
    types: events.map((event) => event.type),
    payloads: events.map((event) =>
      Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength),
    ),
    headers: events.map((event) => JSON.stringify(event.headers)),
    occurredAts: events.map((event) => event.occurredAt.toISOString()),
  };
}

/**
 * Whether a batch read under a payload byte bound may have been cut by it (so more rows may be
 * waiting): the next row could have been as large as an event may be.
 */
export function mayBeCutByByteBound(rows: readonly { payload: Uint8Array }[], bytesMax: number): boolean {
  const payloadBytes = rows.reduce((sum, row) => sum + row.payload.byteLength, 0);
  return payloadBytes > bytesMax - EVENT_PAYLOAD_BYTES_MAX;
}
