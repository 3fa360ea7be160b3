// Goal: wallet callbacks reach the platform signed, are retried after a failure, and duplicates
// arrive twice. Method: a real local HTTP server records deliveries and verifies each signature.
import { strict as expect } from 'node:assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { WalletCallback } from '../src/flows/wallet-flow.ts';
import { HttpCallbackSender, signCallback } from '../src/transport/http/callback-sender.ts';
import { buildTestSimulator } from './fixture.ts';

const SECRET = 'callback-test-secret';
interface Received {
  readonly body: string;
  readonly validSignature: boolean;
}
const received: Received[] = [];
let failNext = 0;
let server: Server;
let baseUrl = '';

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

before(async () => {
  server = createServer((request, response) => {
    readBody(request).then(
      (body) => {
        const signature = signCallback(
          SECRET,
          String(request.headers['x-sim-timestamp']),
          String(request.headers['x-sim-nonce']),
          body,
        );
        received.push({ body, validSignature: signature === request.headers['x-sim-signature'] });
        const status = failNext > 0 ? 500 : 200;
        failNext = Math.max(0, failNext - 1);
        response.writeHead(status).end();
      },
      () => response.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  baseUrl = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function paidOrderCallback(copies: number): WalletCallback {
  const { simulator } = buildTestSimulator();
  const created = simulator.wallet.createOrder(
    'wechat',
    {
      outTradeNo: `cb-${copies}`,
      merchantId: 'M1',
      amountFen: 100n as never,
      description: '',
      notifyUrl: `${baseUrl}/cb`,
    },
    undefined,
  );
  if (!created.ok) throw new Error('order not created');
  return {
    order: created.value,
    eventType: 'PAYMENT_SUCCESS',
    outRefundNo: undefined,
    refundFen: undefined,
    delayMs: 0,
    copies,
  };
}

async function waitFor(count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (received.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('a callback is signed, retried after a 500, and a duplicate arrives twice', async () => {
  const sender = new HttpCallbackSender(SECRET);
  failNext = 1;
  sender.dispatch(paidOrderCallback(1));
  await waitFor(2);
  expect.equal(received.length, 2);
  expect.ok(received.every((item) => item.validSignature));
  expect.equal(JSON.parse(received[0]?.body ?? '{}').outTradeNo, 'cb-1');
  expect.deepEqual(
    sender.deliveriesFor('cb-1').map((delivery) => [delivery.attempt, delivery.httpStatus]),
    [
      [1, 500],
      [2, 200],
    ],
  );
  received.length = 0;
  sender.dispatch(paidOrderCallback(2));
  await waitFor(2);
  expect.equal(received.length, 2);
  expect.deepEqual(
    sender
      .deliveriesFor('cb-2')
      .map((delivery) => delivery.copy)
      .sort(),
    [1, 2],
  );
  sender.close();
});

test('a signature made with another secret does not verify', () => {
  const body = '{"a":1}';
  expect.notEqual(signCallback(SECRET, '1', 'n', body), signCallback('other', '1', 'n', body));
});
