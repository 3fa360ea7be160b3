import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type pg from 'pg';
import type { BusEvent } from './event.ts';

export type EventHandler = (event: BusEvent, client: pg.PoolClient) => Promise<void>;
/**
 * Handles a whole consumer batch (events of one partition, in order, duplicates already removed) in
 * the consumer's transaction, so it can write them with multi-row statements instead of one round
 * trip per event. It must not depend on the batch boundaries: a failing batch is retried event by
 * event (a batch of one) to find the event at fault.
 */
export type BatchEventHandler = (events: readonly BusEvent[], client: pg.PoolClient) => Promise<void>;

/** A subscription takes exactly one of the two. */
export interface EventHandlers {
  /** Called once per event. */
  handler?: EventHandler;
  /** Called once per batch; see BatchEventHandler. */
  batchHandler?: BatchEventHandler;
}

const tracer = trace.getTracer('@acq/bus');

/** The span and the context to run in: the producer's trace context (W3C headers) with the span set. */
function startConsumerSpan(event: BusEvent, group: string, batchSize: number): { span: Span; spanContext: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, event.headers);
  const span = tracer.startSpan(
    `${event.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.destination.name': event.topic,
        'messaging.consumer.group.name': group,
        'messaging.message.id': event.id,
        'messaging.batch.message_count': batchSize,
        'acq.event.type': event.type,
      },
    },
    parent,
  );
  return { span, spanContext: trace.setSpan(parent, span) };
}

/**
 * Runs the handler as a consumer span whose parent is the producer's trace context carried in the
 * event headers (W3C traceparent), so a trace follows an event across services.
 */
export function runHandlerInTraceContext(
  handler: EventHandler,
  event: BusEvent,
  client: pg.PoolClient,
  group: string,
): Promise<void> {
  const { span, spanContext } = startConsumerSpan(event, group, 1);
  return endSpansAfter([span], () => context.with(spanContext, () => handler(event, client)));
}

/**
 * Runs a batch handler with one consumer span per event, each a child of that event's producer
 * trace context, so every event's trace still reaches this consumer. The handler itself runs in the
 * first event's span (spans it starts join that trace).
 */
export function runBatchHandlerInTraceContext(
  handler: BatchEventHandler,
  events: readonly BusEvent[],
  client: pg.PoolClient,
  group: string,
): Promise<void> {
  const started = events.map((event) => startConsumerSpan(event, group, events.length));
  const handlerContext = started[0]?.spanContext ?? context.active();
  return endSpansAfter(
    started.map((entry) => entry.span),
    () => context.with(handlerContext, () => handler(events, client)),
  );
}

async function endSpansAfter(spans: readonly Span[], run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}
