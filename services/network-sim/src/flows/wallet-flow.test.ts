// Goal: wallet order state machines end every order SUCCESS, CLOSED or REVOKED per provider rules.
// Method: WalletFlow with a manual clock, scripted randomness and a recording callback dispatcher.
import { strict as expect } from 'node:assert';
import { beforeEach, test } from 'node:test';
import { type Fen, fen } from '@acq/money';
import { buildTestSimulator, type RecordingDispatcher } from '../../test/fixture.ts';
import type { ManualClock } from '../domain/clock.ts';
import type { WalletProvider } from '../domain/wallet.ts';
import type { WalletFlow } from './wallet-flow.ts';

let wallet: WalletFlow;
let clock: ManualClock;
let dispatcher: RecordingDispatcher;
let tradeCounter = 0;

beforeEach(() => {
  const built = buildTestSimulator();
  wallet = built.simulator.wallet;
  clock = built.clock;
  dispatcher = built.dispatcher;
});

function payWithCode(provider: WalletProvider, balanceFen: bigint, amountFen: bigint, requiresPassword: boolean) {
  const user = wallet.createUser(provider, fen(balanceFen), requiresPassword);
  if (!user.ok) throw new Error('user');
  const code = wallet.issuePaymentCode(user.value.userId);
  if (!code.ok) throw new Error('code');
  tradeCounter += 1;
  const input = {
    outTradeNo: `t${tradeCounter}`,
    merchantId: 'M1',
    amountFen: amountFen as Fen,
    description: '',
    notifyUrl: undefined,
  };
  return { user: user.value, result: wallet.micropay(provider, input, code.value.code), outTradeNo: input.outTradeNo };
}

test('an unpaid Alipay order closes at 3 minutes, not before', () => {
  const { result, outTradeNo } = payWithCode('alipay', 1_000n, 100n, true);
  expect.equal(result.ok && result.value.status, 'USERPAYING');
  clock.advance(179_999);
  expect.equal(wallet.query('alipay', outTradeNo)?.status, 'USERPAYING');
  clock.advance(1);
  expect.equal(wallet.query('alipay', outTradeNo)?.status, 'CLOSED');
});

test('the slow-user knob completes the payment at its time and debits the wallet once', () => {
  wallet.faults = { ...wallet.faults, slowUserMs: 10_000 };
  const { user, outTradeNo } = payWithCode('wechat', 1_000n, 300n, false);
  clock.advance(9_999);
  wallet.sweep();
  expect.equal(wallet.query('wechat', outTradeNo)?.status, 'USERPAYING');
  clock.advance(1);
  wallet.sweep();
  expect.equal(wallet.query('wechat', outTradeNo)?.status, 'SUCCESS');
  expect.equal(user.balanceFen, 700n);
  expect.equal(dispatcher.callbacks.length, 1);
});

test('revoking a paid WeChat order after 15 s refunds the user; revoking again is idempotent', () => {
  const { user, outTradeNo } = payWithCode('wechat', 1_000n, 400n, false);
  expect.equal(user.balanceFen, 600n);
  clock.advance(14_999);
  const early = wallet.revoke('wechat', outTradeNo);
  expect.equal(early.ok, false);
  clock.advance(1);
  const revoked = wallet.revoke('wechat', outTradeNo);
  expect.equal(revoked.ok && revoked.value.status, 'REVOKED');
  expect.equal(wallet.revoke('wechat', outTradeNo).ok, true);
  expect.equal(user.balanceFen, 1_000n);
});

test('a paid order cannot be closed; a refunded one cannot be revoked; refunds stop at the paid amount', () => {
  const { outTradeNo } = payWithCode('unionpay', 1_000n, 500n, false);
  expect.deepEqual(wallet.close('unionpay', outTradeNo), { ok: false, errorCode: 'ORDER_PAID' });
  expect.equal(wallet.refund('unionpay', outTradeNo, 'r1', 500n as Fen).ok, true);
  expect.deepEqual(wallet.refund('unionpay', outTradeNo, 'r2', 1n as Fen), {
    ok: false,
    errorCode: 'REFUND_EXCEEDS_PAID',
  });
  expect.deepEqual(wallet.revoke('unionpay', outTradeNo), { ok: false, errorCode: 'REFUND_NOT_ALLOWED' });
});

test('an expired payment code is refused and the order is not created', () => {
  const user = wallet.createUser('wechat', fen(1_000n), false);
  if (!user.ok) throw new Error('user');
  const code = wallet.issuePaymentCode(user.value.userId);
  if (!code.ok) throw new Error('code');
  clock.advance(60_000);
  const input = {
    outTradeNo: 'expired',
    merchantId: 'M1',
    amountFen: 1n as Fen,
    description: '',
    notifyUrl: undefined,
  };
  expect.deepEqual(wallet.micropay('wechat', input, code.value.code), { ok: false, errorCode: 'AUTH_CODE_EXPIRED' });
  expect.equal(wallet.query('wechat', 'expired'), undefined);
});

test('SYSTEMERROR answers although the payment went through, so a query finds SUCCESS', () => {
  wallet.faults = { ...wallet.faults, systemErrorRate: 1 };
  const { result, outTradeNo } = payWithCode('wechat', 1_000n, 100n, false);
  expect.deepEqual(result, { ok: false, errorCode: 'SYSTEMERROR' });
  expect.equal(wallet.query('wechat', outTradeNo)?.status, 'SUCCESS');
});
