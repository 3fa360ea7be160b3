// Goal: W3C trace context travels with an event: the producer's active span is written into the
// headers, and the consumer's handler runs inside that trace. Method: register the W3C propagator
// and an async-hooks context manager, write through the outbox, process through the inbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { withTransaction } from '@acq/db';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import { ensureBusTables, processEventBatch, writeOutboxEvents } from '../src/index.ts';
import { recordingLogger } from './helpers.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
let database: TestDatabase;
const contextManager = new AsyncLocalStorageContextManager();

before(async () => {
  database = await testDatabase();
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
after(async () => {
  context.disable();
  propagation.disable();
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

test('without an active span no trace headers are invented', async () => {
  const schema = await database.createSchema('trace');
  const pool = database.createPool(schema);
  await ensureBusTables(pool, schema);
  const [event] = await withTransaction(pool, (client) =>
    writeOutboxEvents(client, [{ topic: 'trace.t', key: 'k', type: 't.T', payload: new Uint8Array(1) }]),
  );
  assert.deepEqual(event?.headers, { 'content-type': 'application/x-protobuf' });
});
