/**
 * QR flows against real Postgres and the real network-sim wallets: callbacks (duplicate, lost),
 * expiry, customer-presented codes (paid, refused, password, revoked), refunds, one money event each.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ServiceError } from '@acq/grpc';
import { fen } from '@acq/money';
import { eventually } from '../../clients/upstream/testing/saf-database.ts';
import { type QrTestBed, startQrTestBed, TEST_TERMINAL } from '../testing/qr-test-bed.ts';
import { resolveDueWork } from './qr-resolver.ts';
import { createCustomerPayment, createMerchantOrder, getOrder, payAtTerminal } from './qr-payments.ts';
import { refundOrder } from './qr-refunds.ts';

let bed: QrTestBed;
let keySequence = 0;

before(async () => {
  bed = await startQrTestBed();
});
after(async () => {
  await bed?.close();
});
beforeEach(async () => {
  await bed.sim.request('DELETE', '/wallet/faults');
});

function key(): string {
  keySequence += 1;
  return `key-${process.pid}-${keySequence}`;
}

async function walletUser(provider: string, balanceFen: number, requiresPassword = false): Promise<string> {
  const user = await bed.sim.request<{ userId: string }>('POST', '/wallet/users', {
    provider,
    balanceFen: String(balanceFen),
    requiresPassword,
  });
  return user.userId;
}

async function paymentCode(userId: string): Promise<string> {
  return (await bed.sim.request<{ paymentCode: string }>('POST', `/wallet/users/${userId}/payment-codes`)).paymentCode;
}

async function eventsFor(merchantKey = TEST_TERMINAL.merchantId): Promise<string[]> {
  return (await bed.outboxEvents()).filter((event) => event.event_key === merchantKey).map((event) => event.event_type);
}

const orderRequest = (amountFen: number) => ({
  merchantId: TEST_TERMINAL.merchantId,
  terminalId: TEST_TERMINAL.terminalId,
  amountFen: fen(amountFen),
  description: 'coffee',
  idempotencyKey: key(),
});

test('merchant-presented: a duplicated signed callback credits the order once', async () => {
  await bed.sim.request('PUT', '/wallet/faults', { duplicateCallbackRate: 1 });
  const before = (await eventsFor()).length;
  const request = { ...orderRequest(3000), provider: 'alipay' as const, expiresInMs: 0 };
  const order = await createMerchantOrder(bed.module.deps, request);
  assert.equal(order.status, 'NOTPAY');
  assert.match(order.codeUrl, /^https:\/\/qr\.alipay\.com\//);
  assert.equal(order.feeFen, 221n, '0.60% (18) + T0 0.10% (3) + 2.00 fixed (200) of 30.00');
  const again = await createMerchantOrder(bed.module.deps, request);
  assert.equal(again.orderId, order.orderId, 'the same idempotency key answers the same order');
  await bed.sim.request('POST', `/wallet/users/${await walletUser('alipay', 10_000)}/payments`, {
    codeUrl: order.codeUrl,
  });
  const paid = await eventually('paid by callback', 10_000, async () => {
    const current = await getOrder(bed.module.deps, order.orderId);
    return current.status === 'SUCCESS' ? current : undefined;
  });
  assert.ok(paid.paidAtMs > 0);
  await eventually('both copies delivered', 10_000, () => (bed.callbackStatuses.length >= 2 ? true : undefined));
  const events = await eventsFor();
  assert.deepEqual(events.slice(before), ['acquirer.authorization.v1.TransactionApproved']);
});

test('merchant-presented: a lost callback is resolved by querying the provider', async () => {
  await bed.sim.request('PUT', '/wallet/faults', { lostCallbackRate: 1 });
  const before = (await eventsFor()).length;
  const order = await createMerchantOrder(bed.module.deps, {
    ...orderRequest(1200),
    provider: 'wechat',
    expiresInMs: 0,
  });
  await bed.sim.request('POST', `/wallet/users/${await walletUser('wechat', 5_000)}/payments`, {
    codeUrl: order.codeUrl,
  });
  assert.equal((await getOrder(bed.module.deps, order.orderId)).status, 'NOTPAY', 'no callback came');
  await bed.pool.query('UPDATE qr_orders SET next_check_at_ms = 0 WHERE order_id = $1', [order.orderId]);
  await resolveDueWork(bed.module.deps);
  assert.equal((await getOrder(bed.module.deps, order.orderId)).status, 'SUCCESS');
  assert.deepEqual((await eventsFor()).slice(before), ['acquirer.authorization.v1.TransactionApproved']);
});

test('merchant-presented: an unpaid order is closed once it expires, and a refund of it is refused', async () => {
  const order = await createMerchantOrder(bed.module.deps, {
    ...orderRequest(800),
    provider: 'unionpay',
    expiresInMs: 1_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await resolveDueWork(bed.module.deps);
  const closed = await getOrder(bed.module.deps, order.orderId);
  assert.equal(closed.status, 'CLOSED');
  await assert.rejects(
    refundOrder(bed.module.deps, { orderId: order.orderId, amountFen: fen(100), idempotencyKey: key() }),
    (error: unknown) => error instanceof ServiceError && error.code === 'FAILED_PRECONDITION',
  );
});

test('customer-presented: risk runs first, the code routes by prefix, the payment succeeds once', async () => {
  const before = (await eventsFor()).length;
  const code = await paymentCode(await walletUser('wechat', 10_000));
  const request = { ...orderRequest(2500), paymentCode: code };
  const order = await createCustomerPayment(bed.module.deps, request);
  assert.equal(order.status, 'SUCCESS');
  assert.equal(order.provider, 'wechat');
  assert.equal(order.paymentCodeMasked, `${code.slice(0, 4)}${'*'.repeat(10)}${code.slice(-4)}`);
  const assessed = bed.risk.assessed.at(-1);
  assert.equal(assessed?.posEntryMode, '032');
  assert.equal(assessed?.amountFen, 2500n);
  assert.deepEqual(bed.risk.confirmed.slice(-1), [`res_${bed.risk.assessed.length}`]);
  const repeated = await createCustomerPayment(bed.module.deps, request);
  assert.equal(repeated.orderId, order.orderId);
  assert.deepEqual((await eventsFor()).slice(before), ['acquirer.authorization.v1.TransactionApproved']);
  const stored = await bed.pool.query('SELECT count(*)::int AS n FROM qr_orders WHERE payment_code_masked = $1', [
    code,
  ]);
  assert.equal(stored.rows[0].n, 0, 'the clear payment code is never stored');
});

test('customer-presented: refused by risk, by an unknown prefix, or by the provider (insufficient balance)', async () => {
  bed.risk.declineNext = true;
  const code = await paymentCode(await walletUser('alipay', 100));
  await assert.rejects(
    createCustomerPayment(bed.module.deps, { ...orderRequest(500), paymentCode: code }),
    (error: unknown) => error instanceof ServiceError && /RISK_DECLINED_61/.test(error.message),
  );
  await assert.rejects(
    createCustomerPayment(bed.module.deps, { ...orderRequest(500), paymentCode: '990000000000000000' }),
    (error: unknown) => error instanceof ServiceError && error.code === 'INVALID_ARGUMENT',
  );
  const refused = await createCustomerPayment(bed.module.deps, { ...orderRequest(500), paymentCode: code });
  assert.equal(refused.status, 'CLOSED');
  assert.equal(refused.failureCode, 'NOTENOUGH');
  assert.ok(bed.risk.released.includes(`res_${bed.risk.assessed.length}`), 'the risk reservation is released');
});

test('customer-presented: a user entering a password is followed to SUCCESS by the resolver', async () => {
  const userId = await walletUser('alipay', 10_000, true);
  const order = await createCustomerPayment(bed.module.deps, {
    ...orderRequest(700),
    paymentCode: await paymentCode(userId),
  });
  assert.equal(order.status, 'USERPAYING');
  const walletOrder = await bed.sim.request<{ order: { orderId: string } }>(
    'GET',
    `/wallet/alipay/orders/${order.orderId}`,
  );
  await bed.sim.request('POST', `/wallet/orders/${walletOrder.order.orderId}/user-decision`, { decision: 'confirm' });
  await bed.pool.query('UPDATE qr_orders SET next_check_at_ms = 0 WHERE order_id = $1', [order.orderId]);
  await resolveDueWork(bed.module.deps);
  assert.equal((await getOrder(bed.module.deps, order.orderId)).status, 'SUCCESS');
});

test('terminal scan code: a user too slow for the terminal is abandoned and revoked, the money returned', async () => {
  await bed.sim.request('PUT', '/wallet/faults', { slowUserMs: 4_000 });
  const userId = await walletUser('unionpay', 10_000);
  const before = (await eventsFor()).length;
  const result = await payAtTerminal(bed.module.deps, {
    terminal: TEST_TERMINAL,
    amountFen: fen(900),
    paymentCode: await paymentCode(userId),
    authTxnId: `auth_${key()}`,
    waitUntilMs: Date.now() + 1_000,
  });
  assert.equal(result.outcome, 'timeout');
  if (result.outcome !== 'timeout') return;
  await resolveDueWork(bed.module.deps);
  const revoked = await getOrder(bed.module.deps, result.order.orderId);
  assert.equal(revoked.status, 'REVOKED');
  await new Promise((resolve) => setTimeout(resolve, 3_500));
  const user = await bed.sim.request<{ balanceFen: string }>('GET', `/wallet/users/${userId}`);
  assert.equal(user.balanceFen, '10000', 'the revoked payment never took the money');
  assert.equal((await eventsFor()).length, before, 'terminal payments are announced by the card pipeline only');
});

test('refunds: partial, idempotent, never beyond the paid amount; each confirmed refund announced once', async () => {
  const order = await createCustomerPayment(bed.module.deps, {
    ...orderRequest(1000),
    paymentCode: await paymentCode(await walletUser('wechat', 5_000)),
  });
  assert.equal(order.status, 'SUCCESS');
  const before = (await eventsFor()).length;
  const refundKey = key();
  const first = await refundOrder(bed.module.deps, {
    orderId: order.orderId,
    amountFen: fen(600),
    idempotencyKey: refundKey,
  });
  assert.equal(first.status, 'SUCCESS');
  const repeated = await refundOrder(bed.module.deps, {
    orderId: order.orderId,
    amountFen: fen(600),
    idempotencyKey: refundKey,
  });
  assert.equal(repeated.refundId, first.refundId);
  await assert.rejects(
    refundOrder(bed.module.deps, { orderId: order.orderId, amountFen: fen(401), idempotencyKey: key() }),
    (error: unknown) => error instanceof ServiceError && /exceed/.test(error.message),
  );
  const rest = await refundOrder(bed.module.deps, {
    orderId: order.orderId,
    amountFen: fen(400),
    idempotencyKey: key(),
  });
  assert.equal(rest.status, 'SUCCESS');
  assert.equal((await getOrder(bed.module.deps, order.orderId)).refundedFen, 1000n);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.deepEqual((await eventsFor()).slice(before), [
    'acquirer.authorization.v1.TransactionRefunded',
    'acquirer.authorization.v1.TransactionRefunded',
  ]);
});

async function recordCardTransaction(txnId: string, status: 'approved' | 'timed_out', stan: string): Promise<void> {
  await bed.pool.query(
    `INSERT INTO transactions (txn_id, kind, status, terminal_id, batch_number, stan, merchant_id, merchant_number,
       merchant_number_from_terminal, mcc, amount_fen, pos_entry_mode, pos_condition_code, request_fingerprint, rrn,
       business_date, completed_at)
     VALUES ($1, 'purchase', $2, $3, '000001', $4, $5, $6, $6, $7, 900, '032', '00', 'fp', '000000000001', '20261122', now())`,
    [
      txnId,
      status,
      TEST_TERMINAL.terminalId,
      stan,
      TEST_TERMINAL.merchantId,
      TEST_TERMINAL.merchantNumber,
      TEST_TERMINAL.mcc,
    ],
  );
}

test('terminal scan code after a crash: kept when the purchase was recorded approved, revoked when it was not', async () => {
  const keptPayer = await walletUser('alipay', 10_000);
  const revokedPayer = await walletUser('alipay', 10_000);
  const pay = async (payer: string, authTxnId: string) => {
    const result = await payAtTerminal(bed.module.deps, {
      terminal: TEST_TERMINAL,
      amountFen: fen(900),
      paymentCode: await paymentCode(payer),
      authTxnId,
      waitUntilMs: Date.now() + 3_000,
    });
    assert.equal(result.outcome, 'approved');
    if (result.outcome !== 'approved') throw new Error('expected an approval');
    // The process "crashed" here: the pipeline's commit (keepTerminalPayment) never ran.
    assert.equal(result.order.cardOutcomeKnown, false);
    await bed.pool.query('UPDATE qr_orders SET next_check_at_ms = 0 WHERE order_id = $1', [result.order.orderId]);
    return result.order.orderId;
  };
  const keptTxn = `auth_${key()}`;
  const revokedTxn = `auth_${key()}`;
  const keptOrder = await pay(keptPayer, keptTxn);
  const revokedOrder = await pay(revokedPayer, revokedTxn);
  await recordCardTransaction(keptTxn, 'approved', '900001');
  await recordCardTransaction(revokedTxn, 'timed_out', '900002');
  await resolveDueWork(bed.module.deps);
  await resolveDueWork(bed.module.deps);
  const kept = await getOrder(bed.module.deps, keptOrder);
  assert.equal(kept.status, 'SUCCESS');
  assert.equal(kept.cardOutcomeKnown, true);
  assert.equal((await getOrder(bed.module.deps, revokedOrder)).status, 'REVOKED');
  const balance = async (userId: string) =>
    (await bed.sim.request<{ balanceFen: string }>('GET', `/wallet/users/${userId}`)).balanceFen;
  assert.equal(await balance(keptPayer), '9100');
  assert.equal(await balance(revokedPayer), '10000', 'the customer gets the money of an unrecorded purchase back');
});
