// Goal: the money routes of the HTTP edge over the real settlement gRPC service (in-process grpc-js
// server, real flows, real Postgres schema): balance, transactions with a cursor, the fee line,
// payouts and D0, statement CSV, bills and their repayment, reconciliation, and every access refusal.
// The settlement harness (fake bank rails and merchant directory, manual clock) feeds the ledger.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { issueAccessToken } from '@acq/access';
import { runMigrations } from '@acq/db';
import { createClient, type GrpcServerHandle } from '@acq/grpc';
import { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import { SettlementServiceClient } from '@acq/proto/settlement/v1/settlement.ts';
import { advanceDuePayouts } from '@acq/settlement-service/src/flows/advance-payouts.ts';
import { applyTransactionEvents } from '@acq/settlement-service/src/flows/apply-transaction-events.ts';
import {
  createHarness,
  drainPayouts,
  type Harness,
  startHarnessGrpcServer,
} from '@acq/settlement-service/test/support/harness.ts';
import { createLogger } from '@acq/telemetry';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildHttpApp } from '../src/transport/http/app.ts';
import { createPostgresAuditLog } from '../src/transport/http/audit-log.ts';
import { transactionWindowOf } from '../src/transport/http/routes/settlement.ts';

const SECRET = 'settlement-routes-test-secret';
const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const logger = createLogger({ service: 'gateway-settlement-test', level: 'error', destination: silent });
const SHOP = 'mch_shopaaaaaaaaaaaaaaaa';
const T0_SHOP = 'mch_tzeroaaaaaaaaaaaaaaa';
const BILLED_SHOP = 'mch_billedaaaaaaaaaaaaaa';
const UNKNOWN_SHOP = 'mch_unknownaaaaaaaaaaaaa';

let harness: Harness;
let server: GrpcServerHandle;
let settlementClient: SettlementServiceClient;
let merchantClient: MerchantServiceClient;
let gatewayPool: pg.Pool;
let app: FastifyInstance;
let unwiredApp: FastifyInstance;

before(async () => {
  harness = await createHarness('2026-03-02T02:00:00Z');
  server = await startHarnessGrpcServer(harness, logger);
  settlementClient = createClient(SettlementServiceClient, `127.0.0.1:${server.port}`);
  // The merchant client is never called by these routes; it points at a closed port.
  merchantClient = createClient(MerchantServiceClient, '127.0.0.1:1');
  const gatewaySchema = await harness.database.createSchema('settlement_routes_gateway');
  gatewayPool = harness.database.createPool(gatewaySchema);
  await runMigrations(gatewayPool, {
    schema: gatewaySchema,
    directory: fileURLToPath(new URL('../src/transport/http/migrations/', import.meta.url)),
  });
  const auditLog = createPostgresAuditLog(gatewayPool);
  app = await buildHttpApp({
    clients: { merchant: merchantClient, settlement: settlementClient },
    accessTokenSecret: SECRET,
    auditLog,
    logger,
  });
  unwiredApp = await buildHttpApp({
    clients: { merchant: merchantClient },
    accessTokenSecret: SECRET,
    auditLog,
    logger,
  });
  await seedLedger();
});

after(async () => {
  await app.close();
  await unwiredApp.close();
  settlementClient.close();
  merchantClient.close();
  await server.shutdown(1_000);
  await harness.close();
});

const drain = () => drainPayouts(harness, () => advanceDuePayouts(harness.context));

/** Three T1 purchases for SHOP; a T0 merchant whose T0 payout the bank rejects; a voided T0 sale that raised a bill. */
async function seedLedger(): Promise<void> {
  harness.addMerchant(SHOP);
  for (const [txnId, amountFen] of [
    ['txn_r1', 10000],
    ['txn_r2', 20000],
    ['txn_r3', 30000],
  ] as const) {
    await applyTransactionEvents(harness.context, [harness.event('PURCHASE', txnId, SHOP, amountFen)]);
    harness.clock.advance(60_000);
  }
  harness.addMerchant(T0_SHOP, { t0Enabled: true });
  harness.bank.script('po_t0_txn_t0a', ['reject', 'reject', 'reject']);
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_t0a', T0_SHOP, 10000)]);
  await drain();
  harness.addMerchant(BILLED_SHOP, { t0Enabled: true });
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_b1', BILLED_SHOP, 50000)]);
  await drain();
  await applyTransactionEvents(harness.context, [
    harness.event('VOID', 'txn_b1v', BILLED_SHOP, 50000, { originalTxnId: 'txn_b1' }),
  ]);
}

const operatorToken = issueAccessToken({ secret: SECRET, subject: 'op_alice', role: 'operator', nowMs: Date.now() });
const merchantToken = (merchantId: string) =>
  issueAccessToken({ secret: SECRET, subject: 'merchant_app', role: 'merchant', merchantId, nowMs: Date.now() });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const asMerchant = (merchantId: string) => bearer(merchantToken(merchantId));

async function get(url: string, headers: Record<string, string>) {
  return app.inject({ method: 'GET', url, headers });
}
async function post(url: string, headers: Record<string, string>, payload: object) {
  return app.inject({ method: 'POST', url, headers, payload });
}
function errorCodeOf(response: { json(): unknown }): string {
  return (response.json() as { error: { code: string } }).error.code;
}

describe('balance and transactions', () => {
  it('answers the balance of the merchant in fen digit strings', async () => {
    const response = await get(`/v1/merchants/${SHOP}/balance`, asMerchant(SHOP));
    assert.equal(response.statusCode, 200);
    const balance = response.json();
    // 0.60% of 600.00 yuan is 3.60 yuan; the net waits for T1.
    assert.equal(balance.pendingFen, '59640');
    assert.equal(balance.availableFen, '0');
    assert.equal(balance.arrearsFen, '0');
    assert.equal(balance.t0Enabled, false);
  });

  it('pages transactions with a cursor until no cursor is left', async () => {
    const window = 'from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z';
    const first = await get(`/v1/merchants/${SHOP}/transactions?${window}&limit=2`, asMerchant(SHOP));
    assert.equal(first.statusCode, 200);
    const firstPage = first.json();
    assert.equal(firstPage.items.length, 2);
    assert.equal(typeof firstPage.nextCursor, 'string');
    const cursor = encodeURIComponent(firstPage.nextCursor);
    const second = await get(`/v1/merchants/${SHOP}/transactions?${window}&limit=2&cursor=${cursor}`, asMerchant(SHOP));
    assert.equal(second.statusCode, 200);
    const secondPage = second.json();
    assert.equal(secondPage.items.length, 1);
    assert.equal(secondPage.nextCursor, null);
    const ids = [...firstPage.items, ...secondPage.items].map((item: { txnId: string }) => item.txnId).sort();
    assert.deepEqual(ids, ['txn_r1', 'txn_r2', 'txn_r3']);
  });

  it('answers one transaction with its fee line, and 404 for an unknown one', async () => {
    const response = await get(`/v1/merchants/${SHOP}/transactions/txn_r2`, asMerchant(SHOP));
    assert.equal(response.statusCode, 200);
    const txn = response.json();
    assert.deepEqual([txn.amountFen, txn.feeFen, txn.netFen, txn.settlementMode], ['20000', '120', '19880', 't1']);
    assert.equal(txn.occurredAt, '2026-03-02T02:01:00.000Z');
    const missing = await get(`/v1/merchants/${SHOP}/transactions/txn_nothing`, asMerchant(SHOP));
    assert.equal(missing.statusCode, 404);
    assert.equal(errorCodeOf(missing), 'TRANSACTION_NOT_FOUND');
  });

  it('refuses a window that ends before it starts, or spans more than 93 days', async () => {
    const backwards = await get(
      `/v1/merchants/${SHOP}/transactions?from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z`,
      asMerchant(SHOP),
    );
    assert.equal(backwards.statusCode, 400);
    assert.equal(errorCodeOf(backwards), 'INVALID_INPUT');
    const tooLong = await get(
      `/v1/merchants/${SHOP}/transactions?from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z`,
      asMerchant(SHOP),
    );
    assert.equal(tooLong.statusCode, 400);
    const tooMany = await get(`/v1/merchants/${SHOP}/transactions?limit=201`, asMerchant(SHOP));
    assert.equal(tooMany.statusCode, 400);
  });

  it('defaults the window to the last 24 hours', () => {
    const nowMs = Date.parse('2026-03-02T12:00:00Z');
    assert.deepEqual(transactionWindowOf({}, nowMs), {
      fromMs: BigInt(Date.parse('2026-03-01T12:00:00Z')),
      toMs: BigInt(nowMs),
    });
  });
});

describe('payouts and D0 withdrawal', () => {
  it('withdraws D0 once per idempotency key and refuses more than is available', async () => {
    const balance = (await get(`/v1/merchants/${T0_SHOP}/balance`, asMerchant(T0_SHOP))).json();
    assert.equal(balance.availableFen, '9940');
    const body = { amountFen: '5000', idempotencyKey: 'withdraw-0001' };
    const first = await post(`/v1/merchants/${T0_SHOP}/withdrawals`, asMerchant(T0_SHOP), body);
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().kind, 'd0');
    assert.equal(first.json().amountFen, '4800');
    const replay = await post(`/v1/merchants/${T0_SHOP}/withdrawals`, asMerchant(T0_SHOP), body);
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.json().payoutId, first.json().payoutId);
    const reused = await post(`/v1/merchants/${T0_SHOP}/withdrawals`, asMerchant(T0_SHOP), {
      amountFen: '4000',
      idempotencyKey: body.idempotencyKey,
    });
    assert.equal(reused.statusCode, 409);
    assert.equal(errorCodeOf(reused), 'IDEMPOTENCY_KEY_REUSED');
    const tooMuch = await post(`/v1/merchants/${T0_SHOP}/withdrawals`, asMerchant(T0_SHOP), {
      amountFen: '999999',
      idempotencyKey: 'withdraw-0002',
    });
    assert.equal(tooMuch.statusCode, 422);
    assert.equal(errorCodeOf(tooMuch), 'INSUFFICIENT_FUNDS');
  });

  it('refuses amounts that are not positive integer fen', async () => {
    for (const amountFen of ['0', '-100', '10.5', '1e3']) {
      const response = await post(`/v1/merchants/${T0_SHOP}/withdrawals`, asMerchant(T0_SHOP), {
        amountFen,
        idempotencyKey: 'withdraw-0003',
      });
      assert.equal(response.statusCode, 400, amountFen);
    }
    const noKey = await post(`/v1/merchants/${T0_SHOP}/withdrawals`, asMerchant(T0_SHOP), { amountFen: '100' });
    assert.equal(noKey.statusCode, 400);
  });

  it('lists the T0 and D0 payouts', async () => {
    const response = await get(`/v1/merchants/${T0_SHOP}/payouts?limit=10`, asMerchant(T0_SHOP));
    assert.equal(response.statusCode, 200);
    const kinds = response.json().items.map((payout: { kind: string }) => payout.kind);
    assert.deepEqual(kinds.sort(), ['d0', 't0']);
  });
});

describe('statements', () => {
  it('answers the month as a CSV download with the totals lines', async () => {
    const response = await get(`/v1/merchants/${SHOP}/statements/2026-03.csv`, asMerchant(SHOP));
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(response.headers['content-disposition'], `attachment; filename="statement-${SHOP}-2026-03.csv"`);
    const lines = response.body.trimEnd().split('\r\n');
    assert.match(lines[0] ?? '', /^section,time,reference/);
    const totalFee = lines.find((line) => line.includes('total_fee'));
    assert.ok(totalFee?.includes('3.60'), totalFee);
    const totalAmount = lines.find((line) => line.includes('total_transaction_amount'));
    assert.ok(totalAmount?.includes('600.00'), totalAmount);
  });

  it('answers a single day too', async () => {
    const response = await get(`/v1/merchants/${SHOP}/statements/2026-03-02.csv`, asMerchant(SHOP));
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /total_fee/);
  });

  it('refuses a malformed period with 400', async () => {
    for (const period of ['2026-3', '2026-13', '202603', '2026-03-32']) {
      const response = await get(`/v1/merchants/${SHOP}/statements/${period}.csv`, asMerchant(SHOP));
      assert.equal(response.statusCode, 400, period);
      assert.equal(errorCodeOf(response), 'INVALID_REQUEST', period);
    }
  });
});

describe('bills and repayments', () => {
  it('lists the open bill raised by a void after the T0 payout', async () => {
    const response = await get(`/v1/merchants/${BILLED_SHOP}/bills`, asMerchant(BILLED_SHOP));
    assert.equal(response.statusCode, 200);
    const [bill, ...rest] = response.json().items;
    assert.equal(rest.length, 0);
    assert.deepEqual(
      [bill.amountFen, bill.outstandingFen, bill.state, bill.dueOn],
      ['49700', '49700', 'open', '2026-03-09'],
    );
    const paid = await get(`/v1/merchants/${BILLED_SHOP}/bills?state=paid`, asMerchant(BILLED_SHOP));
    assert.deepEqual(paid.json().items, []);
  });

  it('refuses a card repayment the card cannot cover with 422 INSUFFICIENT_FUNDS, then takes one it can', async () => {
    const [bill] = (await get(`/v1/merchants/${BILLED_SHOP}/bills`, asMerchant(BILLED_SHOP))).json().items;
    const url = `/v1/merchants/${BILLED_SHOP}/bills/${bill.billId}/repayments`;
    harness.bank.cardBalances.set(`enc_${BILLED_SHOP}`, 10_000n);
    const refused = await post(url, asMerchant(BILLED_SHOP), {
      method: 'bank_card',
      amountFen: '20000',
      idempotencyKey: 'repay-0001',
    });
    assert.equal(refused.statusCode, 422);
    assert.deepEqual(refused.json(), {
      error: { code: 'INSUFFICIENT_FUNDS', message: 'the card has insufficient funds' },
    });
    const taken = await post(url, asMerchant(BILLED_SHOP), {
      method: 'bank_card',
      amountFen: '10000',
      idempotencyKey: 'repay-0002',
    });
    assert.equal(taken.statusCode, 201);
    assert.equal(taken.json().state, 'succeeded');
    const after = (await get(`/v1/merchants/${BILLED_SHOP}/bills`, asMerchant(BILLED_SHOP))).json().items;
    assert.equal(after[0].outstandingFen, '39700');
  });

  it('answers 404 for an unknown bill and 400 for a wallet repayment without its payment code', async () => {
    const unknown = await post(`/v1/merchants/${BILLED_SHOP}/bills/bill_nothing/repayments`, asMerchant(BILLED_SHOP), {
      method: 'settlement',
      amountFen: '100',
      idempotencyKey: 'repay-0003',
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorCodeOf(unknown), 'BILL_NOT_FOUND');
    const wallet = await post(`/v1/merchants/${BILLED_SHOP}/bills/bill_nothing/repayments`, asMerchant(BILLED_SHOP), {
      method: 'wallet',
      amountFen: '100',
      idempotencyKey: 'repay-0004',
    });
    assert.equal(wallet.statusCode, 400);
  });
});

describe('access and refusals', () => {
  it("refuses a merchant reading another merchant's balance with 403", async () => {
    const response = await get(`/v1/merchants/${T0_SHOP}/balance`, asMerchant(SHOP));
    assert.equal(response.statusCode, 403);
  });

  it('refuses a request without a token with 401', async () => {
    const response = await get(`/v1/merchants/${SHOP}/balance`, {});
    assert.equal(response.statusCode, 401);
  });

  it('lets an operator read any balance, and answers 404 for an unknown merchant', async () => {
    const response = await get(`/v1/merchants/${SHOP}/balance`, bearer(operatorToken));
    assert.equal(response.statusCode, 200);
    const unknown = await get(`/v1/merchants/${UNKNOWN_SHOP}/balance`, bearer(operatorToken));
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorCodeOf(unknown), 'MERCHANT_UNKNOWN');
  });

  it('answers 503 when the settlement service is not wired', async () => {
    const response = await unwiredApp.inject({
      method: 'GET',
      url: `/v1/merchants/${SHOP}/balance`,
      headers: asMerchant(SHOP),
    });
    assert.equal(response.statusCode, 503);
    assert.equal(errorCodeOf(response), 'SETTLEMENT_UNAVAILABLE');
  });
});

describe('reconciliation (operators)', () => {
  it('refuses merchants and answers 404 for a date never reconciled', async () => {
    const asShop = await get('/v1/reconciliation/2026-03-02', asMerchant(SHOP));
    assert.equal(asShop.statusCode, 403);
    const missing = await get('/v1/reconciliation/2026-03-02', bearer(operatorToken));
    assert.equal(missing.statusCode, 404);
    assert.equal(errorCodeOf(missing), 'RECONCILIATION_NOT_FOUND');
    const badDate = await get('/v1/reconciliation/2026-02-30x', bearer(operatorToken));
    assert.equal(badDate.statusCode, 400);
  });

  it('lists the exceptions of a date', async () => {
    const response = await get('/v1/reconciliation/2026-03-02/exceptions?state=all', bearer(operatorToken));
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { items: [] });
  });

  it('runs the reconciliation against an empty clearing file; every platform sale is an exception', async () => {
    const run = await post('/v1/reconciliation/2026-03-02/run', bearer(operatorToken), {});
    assert.equal(run.statusCode, 200);
    assert.equal(run.json().platformOnlyCount, 6);
    assert.equal(run.json().matchedAmountFen, '0');
    const summary = await get('/v1/reconciliation/2026-03-02', bearer(operatorToken));
    assert.deepEqual(summary.json(), run.json());
    const open = (await get('/v1/reconciliation/2026-03-02/exceptions', bearer(operatorToken))).json().items;
    assert.equal(open.length, 6);
    const asShop = await post('/v1/reconciliation/2026-03-02/run', asMerchant(SHOP), {});
    assert.equal(asShop.statusCode, 403);
  });

  it('resolves an exception once, naming the operator from the token', async () => {
    const open = (await get('/v1/reconciliation/2026-03-02/exceptions', bearer(operatorToken))).json().items;
    const target = open.find((item: { txnId: string }) => item.txnId === 'txn_r1');
    const url = `/v1/reconciliation/exceptions/${target.exceptionId}/resolution`;
    const noAmount = await post(url, bearer(operatorToken), { action: 'adjust', note: 'late presentment' });
    assert.equal(noAmount.statusCode, 400);
    const accepted = await post(url, bearer(operatorToken), { action: 'accept', note: 'network file late' });
    assert.equal(accepted.statusCode, 200);
    assert.deepEqual([accepted.json().state, accepted.json().resolvedBy], ['resolved', 'op_alice']);
    const again = await post(url, bearer(operatorToken), { action: 'accept', note: 'network file late' });
    assert.equal(again.json().state, 'resolved');
    const resolved = await get('/v1/reconciliation/2026-03-02/exceptions?state=resolved', bearer(operatorToken));
    assert.deepEqual(
      resolved.json().items.map((item: { txnId: string }) => item.txnId),
      ['txn_r1'],
    );
    const unknown = await post('/v1/reconciliation/exceptions/rex_nothing/resolution', bearer(operatorToken), {
      action: 'accept',
      note: 'n/a',
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorCodeOf(unknown), 'EXCEPTION_NOT_FOUND');
  });
});

describe('settlement operations (operators)', () => {
  it('runs T1 for a date once: a second run pays nothing', async () => {
    const first = await post('/v1/settlement/t1-runs', bearer(operatorToken), { settlementDate: '2026-03-03' });
    assert.equal(first.statusCode, 200);
    assert.ok(first.json().payoutCount >= 1, first.body);
    const second = await post('/v1/settlement/t1-runs', bearer(operatorToken), { settlementDate: '2026-03-03' });
    assert.deepEqual(second.json(), { merchantCount: 0, payoutCount: 0, failedMerchantIds: [] });
    const asShop = await post('/v1/settlement/t1-runs', asMerchant(SHOP), { settlementDate: '2026-03-03' });
    assert.equal(asShop.statusCode, 403);
  });

  it('overrides the calendar for a date and refuses an override without a reason', async () => {
    const url = '/v1/settlement/calendar/2026-03-07';
    const response = await app.inject({
      method: 'PUT',
      url,
      headers: bearer(operatorToken),
      payload: { isBusinessDay: true, reason: 'make-up working day' },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { date: '2026-03-07', isBusinessDay: true });
    const noReason = await app.inject({
      method: 'PUT',
      url,
      headers: bearer(operatorToken),
      payload: { isBusinessDay: true, reason: '' },
    });
    assert.equal(noReason.statusCode, 400);
  });

  it('rechecks only stuck payouts', async () => {
    const [payout] = (await get(`/v1/merchants/${T0_SHOP}/payouts`, bearer(operatorToken))).json().items;
    const notStuck = await post(`/v1/payouts/${payout.payoutId}/recheck`, bearer(operatorToken), {});
    assert.equal(notStuck.statusCode, 400);
    assert.equal(errorCodeOf(notStuck), 'INVALID_INPUT');
    const unknown = await post('/v1/payouts/po_nothing/recheck', bearer(operatorToken), {});
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorCodeOf(unknown), 'PAYOUT_NOT_FOUND');
  });
});
