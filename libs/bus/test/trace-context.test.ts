// Goal: W3C trace context travels with an event: the producer's active span is written into the
// headers, the consumer's handler runs inside that trace, and a batch handler gets one consumer span
// per event under that event's own trace. Method: register the W3C propagator, an async-hooks
// context manager and a tracer that records the spans started, write through the outbox, process
// through the inbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type Context, context, propagation, type Span, type Tracer, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { withTransaction } from '@acq/db';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import { ensureBusTables, processEventBatch, writeOutboxEvents } from '../src/index.ts';
import { recordingLogger } from './helpers.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
let database: TestDatabase;
const contextManager = new AsyncLocalStorageContextManager();
/** Consumer spans started by the bus: their parent trace and the batch size they report. */
const startedSpans: { parentTraceId: string | undefined; batchSize: unknown }[] = [];
let spanSequence = 0;

/** Records each span's parent and hands out a non-recording span in the parent's trace. */
const recordingTracer = {
  startSpan(_name: string, options: { attributes?: Record<string, unknown> } = {}, parent?: Context): Span {
    const parentSpanContext = parent === undefined ? undefined : trace.getSpanContext(parent);
    startedSpans.push({
      parentTraceId: parentSpanContext?.traceId,
      batchSize: options.attributes?.['messaging.batch.message_count'],
    });
    spanSequence++;
    return trace.wrapSpanContext({
      traceId: parentSpanContext?.traceId ?? '0'.repeat(32),
      spanId: spanSequence.toString(16).padStart(16, '0'),
      traceFlags: TraceFlags.SAMPLED,
    });
  },
} as unknown as Tracer;

before(async () => {
  database = await testDatabase();
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider({ getTracer: () => recordingTracer });
});
after(async () => {
  context.disable();
  propagation.disable();
  trace.disable();
  await database.close();
});

test('the traceparent of the producing span reaches the consuming handler', async () => {
  const schema = await database.createSchema('trace');
  const pool = database.createPool(schema);
  await ensureBusTables(pool, schema);
  const producing = trace.setSpanContext(context.active(), {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
  });
  const [event] = await context.with(producing, () =>
    withTransaction(pool, (client) =>
      writeOutboxEvents(client, [{ topic: 'trace.t', key: 'k', type: 't.T', payload: new Uint8Array(1) }]),
    ),
  );
  assert.ok(event !== undefined);
  assert.equal(event.headers.traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);
  const stored = await pool.query('SELECT headers FROM outbox');
  assert.equal(stored.rows[0].headers.traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);

  let handlerTraceId: string | undefined;
  const result = await processEventBatch(
    {
      pool,
      schema,
      group: 'trace-group',
      retryCountMax: 3,
      logger: recordingLogger(),
      handler: async () => {
        handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
      },
    },
    [event],
  );
  assert.equal(result.completedCount, 1);
  assert.equal(handlerTraceId, TRACE_ID);
});

test('a batch handler gets one consumer span per event, each in its own producer trace', async () => {
  const schema = await database.createSchema('trace');
  const pool = database.createPool(schema);
  await ensureBusTables(pool, schema);
  const traceIds = ['11111111111111111111111111111111', '22222222222222222222222222222222'];
  const events = [];
  for (const traceId of traceIds) {
    const producing = trace.setSpanContext(context.active(), { traceId, spanId: SPAN_ID, traceFlags: 1 });
    const [event] = await context.with(producing, () =>
      withTransaction(pool, (client) =>
        writeOutboxEvents(client, [{ topic: 'trace.t', key: 'k', type: 't.T', payload: new Uint8Array(1) }]),
      ),
    );
    assert.ok(event !== undefined);
    events.push(event);
  }
  startedSpans.length = 0;
  const handlerTraceIds: (string | undefined)[] = [];
  const result = await processEventBatch(
    {
      pool,
      schema,
      group: 'trace-group',
      retryCountMax: 3,
      logger: recordingLogger(),
      batchHandler: async () => {
        handlerTraceIds.push(trace.getActiveSpan()?.spanContext().traceId);
      },
    },
    events,
  );
  assert.equal(result.completedCount, 2);
  assert.deepEqual(startedSpans, [
    { parentTraceId: traceIds[0], batchSize: 2 },
    { parentTraceId: traceIds[1], batchSize: 2 },
  ]);
  assert.deepEqual(handlerTraceIds, [traceIds[0]], "one call, in the first event's trace");
});

test('without an active span no trace headers are invented', async () => {
  const schema = await database.createSchema('trace');
  const pool = database.createPool(schema);
  await ensureBusTables(pool, schema);
  const [event] = await withTransaction(pool, (client) =>
    writeOutboxEvents(client, [{ topic: 'trace.t', key: 'k', type: 't.T', payload: new Uint8Array(1) }]),
  );
  assert.deepEqual(event?.headers, { 'content-type': 'application/x-protobuf' });
});
