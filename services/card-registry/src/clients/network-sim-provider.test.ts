/**
 * Goal: the provider adapter turns every provider answer into a typed outcome and never mistakes silence
 * or an error for a verdict. Method: a local HTTP server scripted per test (answers, 5xx, garbage, a
 * hang past the timeout) and a closed port.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { NetworkSimProvider } from './network-sim-provider.ts';

type Script = (request: IncomingMessage, response: ServerResponse) => void;
let script: Script = (_request, response) => response.end();
let server: Server;
let provider: NetworkSimProvider;
const CARD = { cardNumber: '6217000000000000012', name: '张三', idNumber: '110101199003071233', phone: '13800138000' };

function answer(status: number, body: unknown): Script {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

before(async () => {
  server = createServer((request, response) => script(request, response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  provider = new NetworkSimProvider({
    baseUrl: `http://127.0.0.1:${address.port}/`,
    timeoutMs: 300,
    responseBytesMax: 4_096,
  });
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test('4-element results map to typed outcomes', async () => {
  script = answer(200, { result: 'MATCH', mismatched: [], lockedUntil: null });
  assert.deepEqual(await provider.verifyElements(CARD), { kind: 'match' });
  script = answer(200, { result: 'MISMATCH', mismatched: ['phone', 'bogus'], lockedUntil: null });
  assert.deepEqual(await provider.verifyElements(CARD), { kind: 'mismatch', fields: ['phone'] });
  script = answer(200, { result: 'LOCKED', mismatched: [], lockedUntil: '2026-11-22T16:00:00.000Z' });
  assert.deepEqual(await provider.verifyElements(CARD), {
    kind: 'locked',
    lockedUntilMs: Date.parse('2026-11-22T16:00:00Z'),
  });
  script = answer(200, { result: 'CARD_NOT_FOUND' });
  assert.deepEqual(await provider.verifyElements(CARD), { kind: 'card_not_found' });
  script = answer(200, { result: 'SOMETHING_NEW' });
  assert.equal((await provider.verifyElements(CARD)).kind, 'unavailable');
});

test('5xx, garbage, oversized bodies and timeouts are unavailable, never a verdict', async () => {
  script = answer(503, { error: 'DOWN' });
  assert.deepEqual(await provider.verifyElements(CARD), { kind: 'unavailable', reason: 'HTTP_503' });
  script = answer(200, 'not json');
  assert.equal((await provider.verifyElements(CARD)).kind, 'unavailable');
  script = answer(200, { result: 'MATCH', padding: 'x'.repeat(5_000) });
  assert.deepEqual(await provider.verifyElements(CARD), { kind: 'unavailable', reason: 'RESPONSE_TOO_LARGE' });
  script = () => undefined;
  assert.deepEqual(await provider.verifyElements(CARD), { kind: 'unavailable', reason: 'TIMEOUT' });
});

test('micro-deposits: amount, bank failure, refusal and a missing amount', async () => {
  const deposit = { requestId: 'md_1', accountNumber: CARD.cardNumber, accountName: CARD.name };
  script = answer(200, { status: 'SUCCESS', amountFen: '37', failureCode: null });
  assert.deepEqual(await provider.sendMicroDeposit(deposit), { kind: 'sent', amountFen: 37n });
  script = answer(200, { status: 'FAILED', amountFen: '37', failureCode: 'ACCOUNT_NAME_MISMATCH' });
  assert.deepEqual(await provider.sendMicroDeposit(deposit), { kind: 'failed', reason: 'ACCOUNT_NAME_MISMATCH' });
  script = answer(404, { error: 'ACCOUNT_NOT_FOUND', message: 'no such account' });
  assert.deepEqual(await provider.sendMicroDeposit(deposit), { kind: 'failed', reason: 'ACCOUNT_NOT_FOUND' });
  script = answer(200, { status: 'SUCCESS', amountFen: '0.37' });
  assert.deepEqual(await provider.sendMicroDeposit(deposit), { kind: 'unavailable', reason: 'AMOUNT_MISSING' });
});

test('zero-amount check and SMS', async () => {
  script = answer(200, { result: 'VERIFIED', amountFen: '0' });
  assert.deepEqual(await provider.verifyCardZeroAmount({ cardNumber: CARD.cardNumber, name: CARD.name }), {
    kind: 'verified',
  });
  script = answer(200, { result: 'NAME_MISMATCH', amountFen: '0' });
  assert.deepEqual(await provider.verifyCardZeroAmount({ cardNumber: CARD.cardNumber, name: CARD.name }), {
    kind: 'refused',
    reason: 'NAME_MISMATCH',
  });
  script = answer(202, { messageId: 'sms_1' });
  assert.deepEqual(await provider.sendSms(CARD.phone, 'text'), { kind: 'sent' });
  script = answer(507, { error: 'STORE_FULL' });
  assert.equal((await provider.sendSms(CARD.phone, 'text')).kind, 'unavailable');
});

test('a closed port is unavailable', async () => {
  const closed = new NetworkSimProvider({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 300, responseBytesMax: 4_096 });
  assert.deepEqual(await closed.sendSms(CARD.phone, 'text'), { kind: 'unavailable', reason: 'CONNECTION' });
});
