import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type pg from 'pg';
import type { BusEvent } from './event.ts';

export type EventHandler = (event: BusEvent, client: pg.PoolClient) => Promise<void>;

const tracer = trace.getTracer('@acq/bus');

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
  const parent = propagation.extract(ROOT_CONTEXT, event.headers);
  return context.with(parent, () =>
    tracer.startActiveSpan(
      `${event.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.destination.name': event.topic,
          'messaging.consumer.group.name': group,
          'messaging.message.id': event.id,
          'acq.event.type': event.type,
        },
      },
      async (span) => {
        try {
          await handler(event, client);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    ),
  );
}
