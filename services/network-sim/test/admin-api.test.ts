// Goal: the admin HTTP API (cards, wallets, bank rails, identity, SMS, clearing, faults) behaves as
// README.md documents, including refusals and idempotency. Method: fastify inject against a
// simulator with a manual clock, a scripted random source and a recording callback dispatcher.
import { strict as expect } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { clearingDate } from '../src/domain/clock.ts';
import type { ManualClock } from '../src/domain/clock.ts';
import type { NetworkSimulator } from '../src/simulator.ts';
import { buildAdminApp } from '../src/transport/http/app.ts';
import { HttpCallbackSender } from '../src/transport/http/callback-sender.ts';
import { createMetrics } from '@acq/telemetry';
import { createOpsHandler } from '@acq/service-kit';
import { SimulatorMetrics } from '../src/transport/metrics.ts';
import { buildTestSimulator, type RecordingDispatcher, type ScriptedRandom } from './fixture.ts';

let app: FastifyInstance;
let simulator: NetworkSimulator;
let clock: ManualClock;
let random: ScriptedRandom;
let dispatcher: RecordingDispatcher;
const callbacks = new HttpCallbackSender('test-secret');

before(async () => {
  ({ simulator, clock, random, dispatcher } = buildTestSimulator({ seedCards: true }));
  const telemetry = createMetrics('network-sim-test');
  new SimulatorMetrics(telemetry.meter, simulator);
  const ops = {
    accepting: true,
    checks: [{ name: 'iso-listener', check: async () => true }],
    metrics: telemetry.handle,
  };
  app = await buildAdminApp({ simulator, callbacks, logger: undefined, opsHandler: createOpsHandler(ops) });
});

after(async () => {
  callbacks.close();
  await app.close();
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  const response = await app.inject(payload === undefined ? { method, url } : { method, url, payload });
  return {
    status: response.statusCode,
    body:
      response.body.length > 0 && response.headers['content-type']?.toString().includes('json')
        ? response.json()
        : response.body,
  };
}

async function newCard(fields: Record<string, unknown> = {}): Promise<string> {
  const created = await call('POST', '/cards', {
    pin: '123456',
    expiry: '3012',
    kind: 'debit',
    balanceFen: '100000',
    ...fields,
  });
  expect.equal(created.status, 201);
  return created.body.pan;
}

describe('cards', () => {
  test('POST /cards generates a Luhn-valid PAN and GET returns balances but never the PIN', async () => {
    const pan = await newCard({ holderName: '王五' });
    const read = await call('GET', `/cards/${pan}`);
    expect.equal(read.status, 200);
    expect.equal(read.body.balanceFen, '100000');
    expect.equal(read.body.holdsFen, '0');
    expect.equal(read.body.status, 'active');
    expect.equal('pin' in read.body, false);
  });

  test('refusals: duplicate PAN 409, bad Luhn 400, bad expiry 400, unknown card 404, bad ID number 400', async () => {
    expect.equal(
      (
        await call('POST', '/cards', {
          pan: '6217000000000000012',
          pin: '1234',
          expiry: '3012',
          kind: 'debit',
          balanceFen: 1,
        })
      ).status,
      409,
    );
    expect.equal(
      (
        await call('POST', '/cards', {
          pan: '6217000000000000013',
          pin: '1234',
          expiry: '3012',
          kind: 'debit',
          balanceFen: 1,
        })
      ).status,
      400,
    );
    expect.equal(
      (await call('POST', '/cards', { pin: '1234', expiry: '3013', kind: 'debit', balanceFen: 1 })).status,
      400,
    );
    expect.equal((await call('GET', '/cards/6217000000000000000')).status, 404);
    const badId = await call('POST', '/cards', {
      pin: '1234',
      expiry: '3012',
      kind: 'debit',
      balanceFen: 1,
      idNumber: '110105194912310021',
    });
    expect.equal(badId.body.error, 'ID_NUMBER_INVALID');
  });

  test('PATCH changes status, balance and resets PIN tries', async () => {
    const pan = await newCard();
    const changed = await call('PATCH', `/cards/${pan}`, { status: 'lost', balanceFen: '5', resetPinTries: true });
    expect.equal(changed.body.status, 'lost');
    expect.equal(changed.body.balanceFen, '5');
    expect.equal(changed.body.pinTriesRemaining, 3);
  });
});

describe('wallets', () => {
  async function walletUser(provider: string, balanceFen: string, requiresPassword = false) {
    const user = await call('POST', '/wallet/users', { provider, balanceFen, requiresPassword });
    expect.equal(user.status, 201);
    const code = await call('POST', `/wallet/users/${user.body.userId}/payment-codes`);
    return { userId: user.body.userId as string, code: code.body.paymentCode as string };
  }

  test('payment codes route by prefix: WeChat 18 digits 10-15, Alipay 25-30, UnionPay 62', async () => {
    expect.match((await walletUser('wechat', '1')).code, /^1[0-5][0-9]{16}$/);
    expect.match((await walletUser('alipay', '1')).code, /^(2[5-9]|30)[0-9]{16}$/);
    expect.match((await walletUser('unionpay', '1')).code, /^62[0-9]{17}$/);
  });

  test('customer-presented payment succeeds once; a wrong-provider or reused code is refused', async () => {
    const { userId, code } = await walletUser('wechat', '10000');
    const order = { outTradeNo: 'mp-1', merchantId: 'M1', amountFen: '2500', paymentCode: code };
    const paid = await call('POST', '/wallet/wechat/micropay', order);
    expect.equal(paid.body.order.status, 'SUCCESS');
    const replay = await call('POST', '/wallet/wechat/micropay', order);
    expect.equal(replay.body.order.orderId, paid.body.order.orderId);
    expect.equal((await call('GET', `/wallet/users/${userId}`)).body.balanceFen, '7500');
    const reused = await call('POST', '/wallet/wechat/micropay', { ...order, outTradeNo: 'mp-2' });
    expect.equal(reused.body.errorCode, 'AUTH_CODE_INVALID');
    const other = await walletUser('wechat', '10000');
    const wrongProvider = await call('POST', '/wallet/alipay/micropay', {
      ...order,
      outTradeNo: 'mp-3',
      paymentCode: other.code,
    });
    expect.equal(wrongProvider.body.errorCode, 'PROVIDER_MISMATCH');
    const tooMuch = await call('POST', '/wallet/wechat/micropay', {
      ...order,
      outTradeNo: 'mp-4',
      amountFen: '10001',
      paymentCode: other.code,
    });
    expect.equal(tooMuch.body.errorCode, 'NOTENOUGH');
  });

  test('a slow user answers USERPAYING; revoke is refused before 15 s; unpaid WeChat orders revoke at 45 s', async () => {
    await call('PUT', '/wallet/faults', { slowUserMs: 600_000 });
    const { code } = await walletUser('wechat', '10000');
    const started = await call('POST', '/wallet/wechat/micropay', {
      outTradeNo: 'slow-1',
      merchantId: 'M1',
      amountFen: '100',
      paymentCode: code,
    });
    expect.equal(started.body.order.status, 'USERPAYING');
    expect.equal((await call('POST', '/wallet/wechat/orders/slow-1/revoke')).body.errorCode, 'REVOKE_TOO_EARLY');
    clock.advance(45_000);
    expect.equal((await call('GET', '/wallet/wechat/orders/slow-1')).body.order.status, 'REVOKED');
    await call('DELETE', '/wallet/faults');
  });

  test('a USERPAYING order is confirmed by the user and polls to SUCCESS', async () => {
    const { code } = await walletUser('alipay', '10000', true);
    const started = await call('POST', '/wallet/alipay/micropay', {
      outTradeNo: 'slow-2',
      merchantId: 'M1',
      amountFen: '100',
      paymentCode: code,
    });
    const decided = await call('POST', `/wallet/orders/${started.body.order.orderId}/user-decision`, {
      decision: 'confirm',
    });
    expect.equal(decided.body.order.status, 'SUCCESS');
    expect.equal((await call('GET', '/wallet/alipay/orders/slow-2')).body.order.status, 'SUCCESS');
  });

  test('merchant-presented order: user pays the code URL, a callback is dispatched, refunds are idempotent', async () => {
    const { userId } = await walletUser('wechat', '10000');
    const created = await call('POST', '/wallet/wechat/orders', {
      outTradeNo: 'qr-1',
      merchantId: 'M1',
      amountFen: '3000',
    });
    expect.match(created.body.order.codeUrl, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    dispatcher.callbacks.length = 0;
    const paid = await call('POST', `/wallet/users/${userId}/payments`, { codeUrl: created.body.order.codeUrl });
    expect.equal(paid.body.order.status, 'SUCCESS');
    expect.equal(dispatcher.callbacks.length, 1);
    expect.equal(dispatcher.callbacks[0]?.eventType, 'PAYMENT_SUCCESS');
    expect.equal(dispatcher.callbacks[0]?.order.notifyUrl, 'http://127.0.0.1:1/v1/qr/callbacks/wechat');
    const refund = { outRefundNo: 'r-1', amountFen: '1000' };
    expect.equal((await call('POST', '/wallet/wechat/orders/qr-1/refunds', refund)).body.order.refundedFen, '1000');
    expect.equal((await call('POST', '/wallet/wechat/orders/qr-1/refunds', refund)).body.order.refundedFen, '1000');
    const over = await call('POST', '/wallet/wechat/orders/qr-1/refunds', { outRefundNo: 'r-2', amountFen: '2001' });
    expect.equal(over.body.errorCode, 'REFUND_EXCEEDS_PAID');
    expect.equal((await call('GET', `/wallet/users/${userId}`)).body.balanceFen, '8000');
  });

  test('callback knobs: lost callbacks are not dispatched, duplicates twice, delay is applied', async () => {
    const { userId } = await walletUser('unionpay', '10000');
    await call('PUT', '/wallet/faults', { lostCallbackRate: 0.5, duplicateCallbackRate: 0.5, callbackDelayMs: 2_000 });
    dispatcher.callbacks.length = 0;
    const lost = await call('POST', '/wallet/unionpay/orders', {
      outTradeNo: 'qr-lost',
      merchantId: 'M1',
      amountFen: '10',
    });
    random.push(0.1);
    await call('POST', `/wallet/users/${userId}/payments`, { codeUrl: lost.body.order.codeUrl });
    expect.equal(dispatcher.callbacks.length, 0);
    const twice = await call('POST', '/wallet/unionpay/orders', {
      outTradeNo: 'qr-dup',
      merchantId: 'M1',
      amountFen: '10',
    });
    random.push(0.9, 0.0, 0.1);
    await call('POST', `/wallet/users/${userId}/payments`, { codeUrl: twice.body.order.codeUrl });
    expect.equal(dispatcher.callbacks[0]?.copies, 2);
    expect.equal(dispatcher.callbacks[0]?.delayMs, 2_000);
    await call('DELETE', '/wallet/faults');
  });

  test('the latency knob holds provider answers', async () => {
    await call('PUT', '/wallet/faults', { latencyMs: 300 });
    const startedAt = Date.now();
    const answer = await call('GET', '/wallet/wechat/orders/does-not-exist');
    expect.ok(Date.now() - startedAt >= 290, 'answer was held');
    expect.equal(answer.body.errorCode, 'ORDER_NOT_FOUND');
    await call('DELETE', '/wallet/faults');
  });
});

describe('bank rails', () => {
  test('a payout is accepted, settles after the result delay, and the same id never pays twice', async () => {
    const pan = await newCard({ holderName: '赵六', balanceFen: '0' });
    const payout = { payoutId: 'po-1', accountNumber: pan, accountName: '赵六', amountFen: '5000' };
    const accepted = await call('POST', '/bank/payouts', payout);
    expect.equal(accepted.status, 202);
    expect.equal(accepted.body.status, 'ACCEPTED');
    expect.equal((await call('POST', '/bank/payouts', payout)).body.transferId, accepted.body.transferId);
    clock.advance(100);
    expect.equal((await call('GET', '/bank/payouts/po-1')).body.status, 'SUCCESS');
    await call('POST', '/bank/payouts', payout);
    clock.advance(100);
    expect.equal((await call('GET', `/cards/${pan}`)).body.balanceFen, '5000');
    expect.equal((await call('POST', '/bank/payouts', { ...payout, amountFen: '5001' })).status, 409);
    const transfers = await call('GET', `/bank/transfers?account=${pan}`);
    expect.equal(transfers.body.transfers.length, 1);
  });

  test('payouts to a wrong name or unknown account fail; UNKNOWN is answered while in doubt', async () => {
    const pan = await newCard({ holderName: '赵六', balanceFen: '0' });
    await call('POST', '/bank/payouts', {
      payoutId: 'po-name',
      accountNumber: pan,
      accountName: '钱七',
      amountFen: '1',
    });
    await call('POST', '/bank/payouts', {
      payoutId: 'po-none',
      accountNumber: '6217000000000000000',
      accountName: '钱七',
      amountFen: '1',
    });
    await call('PUT', '/bank/faults', { resultDelayMs: 0, unknownRate: 1, unknownDurationMs: 10_000 });
    await call('POST', '/bank/payouts', {
      payoutId: 'po-unknown',
      accountNumber: pan,
      accountName: '赵六',
      amountFen: '7',
    });
    clock.advance(100);
    expect.equal((await call('GET', '/bank/payouts/po-name')).body.failureCode, 'ACCOUNT_NAME_MISMATCH');
    expect.equal((await call('GET', '/bank/payouts/po-none')).body.failureCode, 'ACCOUNT_NOT_FOUND');
    expect.equal((await call('GET', '/bank/payouts/po-unknown')).body.status, 'UNKNOWN');
    clock.advance(10_000);
    expect.equal((await call('GET', '/bank/payouts/po-unknown')).body.status, 'SUCCESS');
    expect.equal((await call('GET', `/cards/${pan}`)).body.balanceFen, '7');
    await call('DELETE', '/bank/faults');
  });

  test('micro-deposits are 1..99 fen and visible in transfers; debits refuse insufficient funds', async () => {
    const pan = await newCard({ holderName: '孙八', balanceFen: '1000' });
    const deposit = await call('POST', '/bank/micro-deposits', {
      requestId: 'md-1',
      accountNumber: pan,
      accountName: '孙八',
    });
    const amount = Number(deposit.body.amountFen);
    expect.ok(amount >= 1 && amount <= 99);
    const transfers = await call('GET', `/bank/transfers?account=${pan}`);
    expect.equal(transfers.body.transfers[0].kind, 'microDeposit');
    const short = await call('POST', '/bank/debits', {
      debitId: 'db-1',
      accountNumber: pan,
      accountName: '孙八',
      amountFen: String(1001 + amount),
    });
    expect.equal(short.body.status, 'FAILED');
    expect.equal(short.body.failureCode, 'INSUFFICIENT_FUNDS');
    const ok = await call('POST', '/bank/debits', {
      debitId: 'db-2',
      accountNumber: pan,
      accountName: '孙八',
      amountFen: '1000',
    });
    expect.equal(ok.body.status, 'SUCCESS');
    expect.equal((await call('GET', `/cards/${pan}`)).body.balanceFen, String(amount));
  });
});

describe('identity and SMS', () => {
  test('4-element match, mismatch naming the element, lock after 3 failures', async () => {
    const pan = '6217000000000000012';
    const card = simulator.cards.get(pan);
    const claim = { cardNumber: pan, name: '张三', idNumber: card?.holder.idNumber, phone: '13800138000' };
    expect.equal((await call('POST', '/identity/verifications', claim)).body.result, 'MATCH');
    const wrongPhone = await call('POST', '/identity/verifications', { ...claim, phone: '13800138001' });
    expect.deepEqual(wrongPhone.body.mismatched, ['phone']);
    await call('POST', '/identity/verifications', { ...claim, name: '李四' });
    await call('POST', '/identity/verifications', { ...claim, name: '李四' });
    const locked = await call('POST', '/identity/verifications', claim);
    expect.equal(locked.body.result, 'LOCKED');
    const attempts = await call('GET', `/identity/cards/${pan}/attempts`);
    expect.equal(attempts.body.consecutiveFailures, 3);
    expect.equal(attempts.body.attemptsToday, 4);
    expect.notEqual(attempts.body.lockedUntil, null);
    await call('DELETE', `/identity/cards/${pan}/attempts`);
    expect.equal((await call('POST', '/identity/verifications', claim)).body.result, 'MATCH');
  });

  test('zero-amount card verification refuses expired and lost cards', async () => {
    expect.equal(
      (await call('POST', '/identity/card-verifications', { cardNumber: '6217000000000000012' })).body.result,
      'VERIFIED',
    );
    expect.equal(
      (await call('POST', '/identity/card-verifications', { cardNumber: '6217000000000000038' })).body.result,
      'CARD_EXPIRED',
    );
    expect.equal(
      (await call('POST', '/identity/card-verifications', { cardNumber: '6217000000000000046' })).body.result,
      'CARD_NOT_ACTIVE',
    );
  });

  test('SMS sent by the platform are read back per phone', async () => {
    expect.equal((await call('POST', '/sms', { phone: '13700137000', text: '验证码 123456' })).status, 202);
    const read = await call('GET', '/sms?phone=13700137000');
    expect.equal(read.body.messages[0].text, '验证码 123456');
    expect.equal((await call('POST', '/sms', { phone: '12345', text: 'x' })).status, 400);
  });
});

describe('clearing, disputes and faults', () => {
  const CLEARING_TERMINAL = 'TCLR0001';
  const CLEARING_MERCHANT = '898310053110009';

  function approve(pan: string, stan: string, operation: 'purchase' | 'balanceInquiry', amountFen: bigint) {
    return simulator.issuer.authorize({
      mti: '0200',
      processingCode: operation === 'purchase' ? '000000' : '310000',
      operation,
      pan,
      expiry: undefined,
      pinBlock: undefined,
      amountFen: amountFen as never,
      keys: {
        stan,
        transmissionDateTime: '1122020000',
        terminalId: CLEARING_TERMINAL,
        merchantId: CLEARING_MERCHANT,
        rrn: '',
        acquirerId: '',
      },
      original: undefined,
    });
  }

  async function clearingLinesOf(date: string): Promise<string[]> {
    const file = (await call('GET', `/network/clearing-files/${date}`)).body as string;
    return file.split('\n').filter((line) => line.includes(CLEARING_TERMINAL));
  }

  test('the clearing file lists approved financial transactions with injected long, short and mismatch items', async () => {
    const pan = await newCard();
    const first = approve(pan, '000001', 'purchase', 1_000n);
    const second = approve(pan, '000002', 'purchase', 2_000n);
    approve(pan, '000003', 'balanceInquiry', 0n);
    const date = clearingDate(clock.now());
    const approvals = await call('GET', `/network/approvals?date=${date}&terminalId=${CLEARING_TERMINAL}`);
    expect.equal(approvals.body.total, 3);
    const lines = await clearingLinesOf(date);
    expect.equal(lines.length, 2);
    const expected = `\\|PURCHASE\\|D\\|${CLEARING_TERMINAL}\\|${CLEARING_MERCHANT}\\|000001\\|1122020000\\|${first.rrn}\\|${first.authCode}\\|1000\\|621700\\*+`;
    expect.match(lines[0] ?? '', new RegExp(expected));
    await call('POST', '/network/clearing-injections', { date, kind: 'short', rrn: first.rrn });
    await call('POST', '/network/clearing-injections', { date, kind: 'mismatch', rrn: second.rrn, amountFen: '5' });
    const long = await call('POST', '/network/clearing-injections', {
      date,
      kind: 'long',
      terminalId: CLEARING_TERMINAL,
      merchantId: CLEARING_MERCHANT,
    });
    const injected = await clearingLinesOf(date);
    expect.equal(
      injected.some((line) => line.includes(`|${first.rrn}|`)),
      false,
    );
    expect.equal(
      injected.some((line) => line.includes(`|${second.rrn}|`) && line.includes('|2005|')),
      true,
    );
    expect.equal(
      injected.some((line) => line.includes(`|${long.body.rrn}|`)),
      true,
    );
    expect.equal(
      (await call('POST', '/network/clearing-injections', { date, kind: 'short', rrn: 'nope' })).status,
      404,
    );
    await call('DELETE', `/network/clearing-injections/${date}`);
    expect.equal((await clearingLinesOf(date)).length, 2);
  });

  test('a chargeback is listed in the dispute file and credits the cardholder; unknown RRNs are refused', async () => {
    const pan = await newCard();
    const purchase = approve(pan, '000101', 'purchase', 1_000n);
    const date = clearingDate(clock.now());
    const body = {
      terminalId: CLEARING_TERMINAL,
      merchantId: CLEARING_MERCHANT,
      rrn: purchase.rrn,
      reasonCode: '4837',
    };
    expect.equal((await call('POST', '/network/disputes', { ...body, amountFen: '1001' })).status, 409);
    expect.equal((await call('POST', '/network/disputes', body)).status, 201);
    expect.equal((await call('POST', '/network/disputes', { ...body, rrn: '000000000000' })).status, 404);
    const disputes = (await call('GET', `/network/dispute-files/${date}`)).body as string;
    expect.match(disputes, new RegExp(`CHARGEBACK\\|4837\\|${CLEARING_TERMINAL}.*\\|${purchase.rrn}\\|`));
    expect.equal((await call('GET', `/cards/${pan}`)).body.balanceFen, '100000');
  });

  test('PUT /faults validates and stores the knobs; DELETE clears them', async () => {
    expect.equal((await call('PUT', '/faults', { timeoutRate: 1.5 })).status, 400);
    const set = await call('PUT', '/faults', { latencyMs: 20, garbageRate: 0.1, pans: ['6217000000000000012'] });
    expect.equal(set.body.latencyMs, 20);
    expect.equal(set.body.timeoutRate, 0);
    expect.equal((await call('DELETE', '/faults')).status, 204);
    expect.equal((await call('GET', '/faults')).body.garbageRate, 0);
  });

  test('health, readiness and metrics answer on the admin port', async () => {
    expect.equal((await call('GET', '/healthz')).status, 200);
    expect.equal((await call('GET', '/readyz')).status, 200);
    expect.match((await call('GET', '/metrics')).body as string, /acquirer_network_sim_cards(\{[^}]*\})? \d+/);
  });
});
