// Goal: QR and contactless collection as seed 003 describes, against the real platform: a
// merchant-presented dynamic order paid by a network-sim wallet with a duplicated and with a lost
// callback (exactly one money event each), an expired order, customer payment codes scanned over ISO
// 8583 (22 = 03x, code in 59) reaching SUCCESS and, for a user too slow for the terminal, REVOKED;
// NFC (22 = 07x) under and over the no-PIN limit. Method: all services as processes on a fresh
// database; wallet balances read from network-sim; QR orders and money events read from the
// authorization schema.
import { strict as expect } from 'node:assert';
import { after, before, beforeEach, test } from 'node:test';
import { fen } from '@acq/money';
import { TerminalConnection, TerminalSimulator } from '@acq/terminal-protocol';
import pg from 'pg';
import {
  createCard,
  expectStatus,
  GATEWAY_HTTP_URL,
  http,
  merchantToken,
  NETWORK_SIM_URL,
  type OnboardedTerminal,
  onboardMerchantWithTerminal,
  type PlatformUnderTest,
  startPlatformUnderTest,
} from '../src/index.ts';

/** Small budgets so a slow wallet user outlasts the terminal quickly. */
const TRANSACTION_BUDGET_MS = 8_000;
const NO_PIN_LIMIT_FEN = 30_000;
const WAIT_MS = 30_000;

let platform: PlatformUnderTest;
let onboarded: OnboardedTerminal;
let connection: TerminalConnection;
let terminal: TerminalSimulator;
let database: pg.Client;
let token: string;
let keySequence = 0;

before(async () => {
  platform = await startPlatformUnderTest({
    AUTHORIZATION_TRANSACTION_BUDGET_MS: String(TRANSACTION_BUDGET_MS),
    AUTHORIZATION_UPSTREAM_TIMEOUT_MS: '5000',
    CONTACTLESS_NO_PIN_LIMIT_FEN: String(NO_PIN_LIMIT_FEN),
  });
  onboarded = await onboardMerchantWithTerminal(31);
  token = merchantToken(onboarded.merchantId);
  connection = await TerminalConnection.open('127.0.0.1', 8583);
  terminal = new TerminalSimulator(
    connection,
    { terminalId: onboarded.terminalId, merchantNumber: onboarded.merchantNumber, tmkHex: onboarded.tmkHex },
    { timeoutMs: 20_000 },
  );
  expect.equal((await terminal.signIn('003')).responseCode, '00');
  database = new pg.Client({ connectionString: platform.databaseUrl });
  await database.connect();
});

after(async () => {
  connection?.close();
  await database?.end();
  await platform?.stop();
});

beforeEach(async () => {
  await fetch(`${NETWORK_SIM_URL}/wallet/faults`, { method: 'DELETE' });
});

function idempotencyKey(): string {
  keySequence += 1;
  return `e2e-qr-${keySequence}`;
}

/** A network-sim admin call answering `status`. */
async function sim<T>(method: string, path: string, status: number, body?: unknown): Promise<T> {
  const result = await http<T>(method, `${NETWORK_SIM_URL}${path}`, body === undefined ? {} : { body });
  return expectStatus(result, status, `${method} ${path}`);
}

async function userPays(userId: string, codeUrl: string | null): Promise<void> {
  const paid = await sim<{ resultCode: string }>('POST', `/wallet/users/${userId}/payments`, 200, { codeUrl });
  expect.equal(paid.resultCode, 'SUCCESS');
}

async function walletUser(provider: string, balanceFen: number): Promise<string> {
  return (await sim<{ userId: string }>('POST', '/wallet/users', 201, { provider, balanceFen: String(balanceFen) }))
    .userId;
}

async function walletBalanceFen(userId: string): Promise<bigint> {
  return BigInt((await sim<{ balanceFen: string }>('GET', `/wallet/users/${userId}`, 200)).balanceFen);
}

async function paymentCode(userId: string): Promise<string> {
  return (await sim<{ paymentCode: string }>('POST', `/wallet/users/${userId}/payment-codes`, 201)).paymentCode;
}

async function setFaults(faults: Record<string, number>): Promise<void> {
  const response = await fetch(`${NETWORK_SIM_URL}/wallet/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect.equal(response.status, 200);
}

/** TransactionApproved events of this merchant in the authorization outbox. */
async function approvedEventCount(): Promise<number> {
  const result = await database.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "authorization".outbox
     WHERE event_key = $1 AND event_type = 'acquirer.authorization.v1.TransactionApproved'`,
    [onboarded.merchantId],
  );
  return result.rows[0]?.n ?? 0;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface OrderBody {
  orderId: string;
  status: string;
  codeUrl: string | null;
  amountFen: string;
}

async function createOrder(provider: string, amountFen: number, expiresInMs?: number): Promise<OrderBody> {
  const created = await http<OrderBody>('POST', `${GATEWAY_HTTP_URL}/v1/qr/orders`, {
    token,
    body: {
      merchantId: onboarded.merchantId,
      terminalId: onboarded.terminalId,
      amountFen: String(amountFen),
      provider,
      description: 'e2e',
      idempotencyKey: idempotencyKey(),
      ...(expiresInMs === undefined ? {} : { expiresInMs }),
    },
  });
  return expectStatus(created, 201, 'create QR order (the gateway main must pass the qrPayments client)');
}

async function orderStatus(orderId: string): Promise<string> {
  return expectStatus(
    await http<OrderBody>('GET', `${GATEWAY_HTTP_URL}/v1/qr/orders/${orderId}`, { token }),
    200,
    'get QR order',
  ).status;
}

test('dynamic code with a duplicated callback: paid once, one money event', async () => {
  await setFaults({ duplicateCallbackRate: 1 });
  const before = await approvedEventCount();
  const order = await createOrder('alipay', 3_000);
  expect.equal(order.status, 'NOTPAY');
  expect.match(order.codeUrl ?? '', /^https:\/\/qr\.alipay\.com\//);
  const payer = await walletUser('alipay', 10_000);
  await userPays(payer, order.codeUrl);
  await eventually('SUCCESS', async () => ((await orderStatus(order.orderId)) === 'SUCCESS' ? true : undefined));
  const deliveries = await eventually('both callback copies answered 200', async () => {
    const log = await sim<{ deliveries: { httpStatus: number | null; copy: number }[] }>(
      'GET',
      `/wallet/callbacks?outTradeNo=${order.orderId}`,
      200,
    );
    const answered = log.deliveries.filter((delivery) => delivery.httpStatus === 200);
    return answered.length >= 2 ? answered : undefined;
  });
  expect.ok(deliveries.length >= 2);
  expect.equal(await approvedEventCount(), before + 1);
  expect.equal(await walletBalanceFen(payer), 7_000n);
});

test('dynamic code with a lost callback: the platform finds the payment by querying', async () => {
  await setFaults({ lostCallbackRate: 1 });
  const before = await approvedEventCount();
  const order = await createOrder('wechat', 1_250);
  await userPays(await walletUser('wechat', 5_000), order.codeUrl);
  await eventually('SUCCESS by query', async () =>
    (await orderStatus(order.orderId)) === 'SUCCESS' ? true : undefined,
  );
  expect.equal(await approvedEventCount(), before + 1);
});

test('dynamic code nobody pays is CLOSED when it expires, and cannot be refunded', async () => {
  const order = await createOrder('unionpay', 800, 1_000);
  await eventually('CLOSED', async () => ((await orderStatus(order.orderId)) === 'CLOSED' ? true : undefined));
  const refund = await http('POST', `${GATEWAY_HTTP_URL}/v1/qr/orders/${order.orderId}/refunds`, {
    token,
    body: { amountFen: '100', idempotencyKey: idempotencyKey() },
  });
  expect.equal(refund.status, 409);
});

test('a callback with a wrong signature is refused with 401', async () => {
  const response = await fetch(`${GATEWAY_HTTP_URL}/v1/qr/callbacks/wechat`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-sim-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-sim-nonce': 'n',
      'x-sim-signature': '0'.repeat(64),
    },
    body: JSON.stringify({ eventType: 'PAYMENT_SUCCESS', outTradeNo: 'qr_x', amountFen: '1' }),
  });
  expect.equal(response.status, 401);
});

/** Why the card pipeline declined the latest scan-code purchase (for the failure message). */
async function lastScanDeclineReason(): Promise<string> {
  const result = await database.query<{ decline_reason: string | null }>(
    `SELECT decline_reason FROM "authorization".transactions WHERE pos_entry_mode LIKE '03%'
     ORDER BY created_at DESC LIMIT 1`,
  );
  return result.rows[0]?.decline_reason ?? 'no record';
}

async function scanOrders(): Promise<{ status: string; provider: string; amount_fen: string }[]> {
  const result = await database.query<{ status: string; provider: string; amount_fen: string }>(
    `SELECT status, provider, amount_fen::text FROM "authorization".qr_orders
     WHERE channel = 'terminal' ORDER BY created_at_ms`,
  );
  return result.rows;
}

test('a payment code scanned over ISO 8583 is paid by its wallet (SUCCESS, approved, announced)', async () => {
  const before = await approvedEventCount();
  const payer = await walletUser('wechat', 20_000);
  const card = await createCard({ balanceFen: 1 });
  const purchase = await terminal.purchase(card, fen(4_321), { entryMode: 'scan', scanCode: await paymentCode(payer) });
  expect.equal(purchase.responseCode, '00', `declined: ${await lastScanDeclineReason()}`);
  expect.equal(purchase.macValid, true);
  expect.equal(await walletBalanceFen(payer), 20_000n - 4_321n);
  expect.deepEqual((await scanOrders()).at(-1), { status: 'SUCCESS', provider: 'wechat', amount_fen: '4321' });
  expect.equal(await approvedEventCount(), before + 1, 'the card pipeline announces the scan-code purchase once');
});

test('a scanned payment the user does not confirm in time is answered 98 and REVOKED', async () => {
  await setFaults({ slowUserMs: 60_000 });
  const payer = await walletUser('unionpay', 20_000);
  const card = await createCard({ balanceFen: 1 });
  const purchase = await terminal.purchase(card, fen(1_500), { entryMode: 'scan', scanCode: await paymentCode(payer) });
  expect.equal(purchase.responseCode, '98');
  await eventually('REVOKED', async () => {
    const last = (await scanOrders()).at(-1);
    return last?.status === 'REVOKED' ? last : undefined;
  });
  expect.equal(await walletBalanceFen(payer), 20_000n);
});

test('a payment code of no known provider is refused 14', async () => {
  const card = await createCard({ balanceFen: 1 });
  const purchase = await terminal.purchase(card, fen(100), { entryMode: 'scan', scanCode: '990000000000000000' });
  expect.equal(purchase.responseCode, '14');
});

test('NFC: no PIN up to the small-amount limit, PIN required (55) above it', async () => {
  const card = await createCard({ balanceFen: 200_000 });
  const small = await terminal.purchase(card, fen(NO_PIN_LIMIT_FEN), { entryMode: 'contactless', withoutPin: true });
  expect.equal(small.responseCode, '00');
  const large = await terminal.purchase(card, fen(NO_PIN_LIMIT_FEN + 1), {
    entryMode: 'contactless',
    withoutPin: true,
  });
  expect.equal(large.responseCode, '55');
  const withPin = await terminal.purchase(card, fen(NO_PIN_LIMIT_FEN + 1), { entryMode: 'contactless' });
  expect.equal(withPin.responseCode, '00');
});

interface LedgerRow {
  kind: string;
  amount_fen: string;
  refunded_fen: string;
  original_txn_id: string | null;
}

/** Settlement's records of a transaction and of its follow-ups (refunds). */
async function settlementRows(txnId: string): Promise<LedgerRow[]> {
  const result = await database.query<LedgerRow>(
    `SELECT kind, amount_fen::text, refunded_fen::text, original_txn_id FROM settlement.transactions
     WHERE txn_id = $1 OR original_txn_id = $1 ORDER BY occurred_at`,
    [txnId],
  );
  return result.rows;
}

test('the ledger and the monthly statement include a paid QR order and its partial refund like card payments', async () => {
  const order = await createOrder('wechat', 2_000);
  await userPays(await walletUser('wechat', 5_000), order.codeUrl);
  await eventually('SUCCESS', async () => ((await orderStatus(order.orderId)) === 'SUCCESS' ? true : undefined));
  const refund = await http<{ status: string; amountFen: string }>(
    'POST',
    `${GATEWAY_HTTP_URL}/v1/qr/orders/${order.orderId}/refunds`,
    { token, body: { amountFen: '300', idempotencyKey: idempotencyKey() } },
  );
  expect.equal(expectStatus(refund, 201, 'refund').status, 'SUCCESS');
  const rows = await eventually('purchase and refund booked by settlement', async () => {
    const booked = await settlementRows(order.orderId);
    return booked.length === 2 && booked[0]?.refunded_fen === '300' ? booked : undefined;
  });
  expect.deepEqual(
    rows.map((row) => [row.kind, row.amount_fen, row.original_txn_id]),
    [
      ['PURCHASE', '2000', null],
      ['REFUND', '300', order.orderId],
    ],
  );
  const postings = await database.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM settlement.transfers WHERE reference = $1',
    [order.orderId],
  );
  expect.ok((postings.rows[0]?.n ?? 0) > 0, 'the purchase has ledger postings');
  // Statements follow the Beijing business calendar (UTC+8).
  const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
  const statement = await fetch(`${GATEWAY_HTTP_URL}/v1/merchants/${onboarded.merchantId}/statements/${month}.csv`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect.equal(statement.status, 200);
  expect.ok((await statement.text()).includes(order.orderId), 'the monthly statement lists the QR payment');
});
