import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fen } from '@acq/money';
import { answerOf } from '../../clients/wallet/index.ts';
import { callbackSignature, checkCallbackSignature } from './callback-signature.ts';
import { maskPaymentCode, providerOfPaymentCode, revokeAllowedAtMs, userPayingDeadlineMs } from './providers.ts';
import { canTransition, isFinal, orderStatusOfWallet, type QrOrder, resolverActionFor } from './qr-order.ts';

test('payment codes route by prefix and length to exactly one provider', () => {
  assert.equal(providerOfPaymentCode('134567890123456789'), 'wechat');
  assert.equal(providerOfPaymentCode('104567890123456789'), 'wechat');
  assert.equal(providerOfPaymentCode('284567890123456789'), 'alipay');
  assert.equal(providerOfPaymentCode('6212345678901234567'), 'unionpay');
  // Right prefix, wrong length; unknown prefix; non-digits.
  assert.equal(providerOfPaymentCode('13456789012345678'), undefined);
  assert.equal(providerOfPaymentCode('621234567890123456'), undefined);
  assert.equal(providerOfPaymentCode('994567890123456789'), undefined);
  assert.equal(providerOfPaymentCode('13456789012345678a'), undefined);
  assert.equal(providerOfPaymentCode(''), undefined);
});

test('payment codes are masked to their first and last four digits', () => {
  assert.equal(maskPaymentCode('134567890123456789'), '1345**********6789');
  assert.equal(maskPaymentCode('12345678'), '********');
});

test('the user-paying window never ends before the provider accepts a revoke', () => {
  assert.equal(userPayingDeadlineMs('wechat', 1_000), 31_000);
  assert.equal(revokeAllowedAtMs('wechat', 1_000), 16_000);
  assert.equal(userPayingDeadlineMs('alipay', 0), 60_000);
  assert.equal(revokeAllowedAtMs('unionpay', 5), 5);
});

test('the state machine: open states move forward, finals stay, only an abandoned payment is revoked after SUCCESS', () => {
  assert.ok(canTransition('NOTPAY', 'USERPAYING'));
  assert.ok(canTransition('NOTPAY', 'SUCCESS'));
  assert.ok(canTransition('USERPAYING', 'SUCCESS'));
  assert.ok(canTransition('USERPAYING', 'REVOKED'));
  assert.ok(!canTransition('USERPAYING', 'NOTPAY'), 'no step back');
  assert.ok(!canTransition('SUCCESS', 'SUCCESS'), 'a duplicate callback changes nothing');
  assert.ok(!canTransition('SUCCESS', 'CLOSED'));
  assert.ok(canTransition('SUCCESS', 'REVOKED'));
  assert.ok(!canTransition('CLOSED', 'SUCCESS'), 'a late success after close changes nothing');
  assert.ok(!canTransition('REVOKED', 'SUCCESS'));
  assert.deepEqual(
    ['NOTPAY', 'USERPAYING', 'SUCCESS', 'CLOSED', 'REVOKED'].map((status) => isFinal(status as QrOrder['status'])),
    [false, false, true, true, true],
  );
  assert.equal(orderStatusOfWallet('PAYERROR'), 'CLOSED');
  assert.equal(orderStatusOfWallet('USERPAYING'), 'USERPAYING');
  assert.equal(orderStatusOfWallet('SOMETHING'), undefined);
});

function order(fields: Partial<QrOrder>): QrOrder {
  return {
    orderId: 'qr_0',
    flow: 'customer_presented',
    channel: 'http',
    provider: 'wechat',
    merchantId: 'mch_a',
    merchantNumber: '898310053110001',
    terminalId: '10000001',
    mcc: '5311',
    t0Enabled: false,
    amountFen: fen(100),
    feeFen: fen(1),
    description: '',
    idempotencyKey: 'k',
    status: 'USERPAYING',
    abandoned: false,
    cardOutcomeKnown: true,
    codeUrl: '',
    paymentCodeMasked: '',
    failureCode: '',
    riskReservationId: '',
    authTxnId: '',
    createdAtMs: 0,
    expiresAtMs: 30_000,
    paidAtMs: 0,
    nextCheckAtMs: 0,
    refundedFen: fen(0),
    ...fields,
  };
}

test('the resolver queries until the window ends, then closes (merchant-presented) or revokes (customer-presented)', () => {
  assert.equal(resolverActionFor(order({}), 29_999, 15_000), 'query');
  assert.equal(resolverActionFor(order({}), 30_000, 15_000), 'revoke');
  assert.equal(resolverActionFor(order({ flow: 'merchant_presented', status: 'NOTPAY' }), 30_000, 0), 'close');
  // Abandoned by a terminal before the provider accepts a revoke: keep querying until it does.
  assert.equal(resolverActionFor(order({ abandoned: true }), 5_000, 15_000), 'query');
  assert.equal(resolverActionFor(order({ abandoned: true }), 15_000, 15_000), 'revoke');
  assert.equal(resolverActionFor(order({ abandoned: true, status: 'SUCCESS' }), 15_000, 15_000), 'revoke');
  assert.equal(resolverActionFor(order({ status: 'SUCCESS' }), 99_000, 0), 'none');
  assert.equal(
    resolverActionFor(order({ status: 'SUCCESS', channel: 'terminal', cardOutcomeKnown: false }), 1_000, 0),
    'check_card_outcome',
    'a paid terminal order is kept only once the card outcome is known',
  );
  assert.equal(resolverActionFor(order({ status: 'CLOSED' }), 99_000, 0), 'none');
});

test('callback signatures: HMAC over timestamp.nonce.body, constant-time, inside the replay window', () => {
  const body = Buffer.from('{"outTradeNo":"qr_1"}');
  const nowMs = 1_700_000_000_000;
  const timestamp = String(nowMs / 1000);
  const signature = callbackSignature('secret', timestamp, 'n1', body);
  const input = { secret: 'secret', timestamp, nonce: 'n1', signature, body };
  assert.equal(checkCallbackSignature(input, nowMs, 300_000), 'valid');
  assert.equal(
    checkCallbackSignature({ ...input, body: Buffer.from('{"outTradeNo":"qr_2"}') }, nowMs, 300_000),
    'bad_signature',
  );
  assert.equal(checkCallbackSignature({ ...input, secret: 'other' }, nowMs, 300_000), 'bad_signature');
  assert.equal(checkCallbackSignature({ ...input, signature: 'zz' }, nowMs, 300_000), 'bad_signature');
  assert.equal(checkCallbackSignature(input, nowMs + 300_001, 300_000), 'stale');
  assert.equal(checkCallbackSignature({ ...input, timestamp: 'abc' }, nowMs, 300_000), 'malformed');
});

test('provider answers: business refusals fail, SYSTEMERROR and 5xx are unknown (query), success carries the order', () => {
  assert.deepEqual(answerOf(200, { resultCode: 'FAIL', errorCode: 'NOTENOUGH', order: null }), {
    kind: 'fail',
    errorCode: 'NOTENOUGH',
  });
  assert.equal(answerOf(200, { resultCode: 'FAIL', errorCode: 'SYSTEMERROR', order: null }).kind, 'unknown');
  assert.equal(answerOf(502, {}).kind, 'unknown');
  assert.equal(answerOf(400, { errorCode: 'VALIDATION' }).kind, 'fail');
  const ok = answerOf(200, {
    resultCode: 'SUCCESS',
    errorCode: null,
    order: {
      orderId: 'wo_1',
      outTradeNo: 'qr_1',
      status: 'SUCCESS',
      amountFen: '2500',
      codeUrl: null,
      paidAt: '2026-11-22T00:00:00.000Z',
      refundedFen: '0',
      refunds: [],
    },
  });
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') {
    assert.equal(ok.order.amountFen, 2500n);
    assert.equal(ok.order.paidAtMs, Date.parse('2026-11-22T00:00:00.000Z'));
  }
});
