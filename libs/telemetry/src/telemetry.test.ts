// Goal: logs redact card data and carry trace ids; /metrics serves Prometheus text; method: in-memory streams.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { createLogger, createMetrics } from './index.ts';

test('card data in log objects is redacted', () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: 'test', level: 'info', destination });
  logger.info({ pan: '6222020000000000003', request: { track2: '6222=2512', pinBlock: 'AB' } }, 'txn');
  expect.equal(lines.length, 1);
  const line = lines[0] ?? '';
  expect.ok(!line.includes('6222'));
  expect.ok(!line.includes('"AB"'));
  expect.match(line, /"service":"test"/);
});

test('metrics are served in Prometheus text format', async () => {
  const runtime = createMetrics('test-service');
  runtime.meter.createCounter('acquirer.test.events', { description: 'test counter' }).add(3, { kind: 'a' });
  const server = createServer((request, response) => runtime.handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const text = await (await fetch(`http://127.0.0.1:${address.port}/metrics`)).text();
  server.close();
  await runtime.shutdown();
  expect.match(text, /acquirer_test_events_total\{kind="a"\} 3/);
  expect.match(text, /nodejs_eventloop_delay_p99/);
});
