// Goal: the HTTP API edge over the real merchant service (in-process gRPC, real Postgres): the whole
// onboarding path to a terminal that signs in, every documented refusal, the audit log and /docs.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { issueAccessToken } from '@acq/access';
import { unwrapSignInKeys } from '@acq/crypto';
import { runMigrations } from '@acq/db';
import { callUnary, createClient, ServiceError } from '@acq/grpc';
import { type RunningMerchantService, startMerchantService } from '@acq/merchant-service';
import { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import { createLogger } from '@acq/telemetry';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildHttpApp } from './app.ts';
import { createPostgresAuditLog } from './audit-log.ts';

const SECRET = 'http-test-access-secret';
const MASTER_KEY_HEX = '0123456789ABCDEFFEDCBA9876543210';
const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const logger = createLogger({ service: 'gateway-http-test', level: 'error', destination: silent });

let database: TestDatabase;
let merchantService: RunningMerchantService;
let grpcClient: MerchantServiceClient;
let gatewayPool: pg.Pool;
let app: FastifyInstance;
const clock = { offsetMs: 0 };

before(async () => {
  database = await testDatabase();
  const merchantSchema = await database.createSchema('http_merchant');
  const busSchema = await database.createSchema('http_bus');
  const gatewaySchema = await database.createSchema('http_gateway');
  merchantService = await startMerchantService({
    databaseUrl: database.url,
    schema: merchantSchema,
    busSchema,
    busEnv: {},
    masterKeyHex: MASTER_KEY_HEX,
    grpcPort: 0,
    logger,
    nowMs: () => Date.now() + clock.offsetMs,
    settings: {
      acquirerCode: '898',
      activationCodeSecret: Buffer.alloc(32, 3),
      qrBaseUrl: 'https://qr.test/q',
      activationCodeTimeToLiveMs: 3_600_000,
      activationAttemptsMax: 5,
      terminalsPerMerchantMax: 10,
    },
  });
  grpcClient = createClient(MerchantServiceClient, `127.0.0.1:${merchantService.grpcPort}`);
  gatewayPool = database.createPool(gatewaySchema);
  await runMigrations(gatewayPool, {
    schema: gatewaySchema,
    directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
  });
  app = await buildHttpApp({
    clients: { merchant: grpcClient },
    accessTokenSecret: SECRET,
    auditLog: createPostgresAuditLog(gatewayPool),
    logger,
  });
});

after(async () => {
  await app.close();
  grpcClient.close();
  await merchantService.stop(1_000);
  await database.close();
});

const operatorToken = issueAccessToken({ secret: SECRET, subject: 'op_alice', role: 'operator', nowMs: Date.now() });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
function merchantToken(merchantId: string): string {
  return issueAccessToken({ secret: SECRET, subject: 'merchant_app', role: 'merchant', merchantId, nowMs: Date.now() });
}

let applicantSequence = 0;
function residentId(): string {
  applicantSequence += 1;
  const base = `4403041990030${String(7000 + applicantSequence)}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let position = 0; position < 17; position += 1) sum += Number(base[position]) * (weights[position] ?? 0);
  return `${base}${'10X98765432'[sum % 11]}`;
}

function application(overrides: Record<string, unknown> = {}) {
  return {
    merchantType: 'individual',
    legalName: '李四',
    idNumber: residentId(),
    phone: '13900139000',
    businessName: '李四便利店',
    businessAddress: '上海市浦东新区世纪大道100号',
    areaCode: '2900',
    mcc: '5411',
    settlementCardNumber: '6222021234567890128',
    ...overrides,
  };
}

/** Passed as the token to send no Authorization header at all. */
const NO_TOKEN = null;

async function post(url: string, payload: unknown, token: string | null = operatorToken) {
  return app.inject({ method: 'POST', url, payload: payload as object, headers: token === null ? {} : bearer(token) });
}

async function get(url: string, token: string | null = operatorToken) {
  return app.inject({ method: 'GET', url, headers: token === null ? {} : bearer(token) });
}

async function put(url: string, payload: unknown, token: string = operatorToken) {
  return app.inject({ method: 'PUT', url, payload: payload as object, headers: bearer(token) });
}

async function onboardMerchant(): Promise<{ merchantId: string; merchantNumber: string }> {
  const submitted = await post('/v1/merchant-applications', application());
  assert.equal(submitted.statusCode, 201, submitted.body);
  const approved = await post(`/v1/merchant-applications/${submitted.json().id}/approve`, {});
  assert.equal(approved.statusCode, 200, approved.body);
  return approved.json();
}

describe('onboarding over HTTP', () => {
  it('goes from application to a terminal that signs in with the delivered TMK', async () => {
    const submitted = await post('/v1/merchant-applications', application());
    assert.equal(submitted.statusCode, 201);
    const { id, status } = submitted.json();
    assert.equal(status, 'submitted');
    const read = await get(`/v1/merchant-applications/${id}`);
    assert.equal(read.json().idNumberMasked.length, 18);
    assert.equal(read.json().settlementCardMasked, '622202*********0128');
    const approved = await post(`/v1/merchant-applications/${id}/approve`, {});
    assert.equal(approved.statusCode, 200);
    const { merchantId, merchantNumber } = approved.json();
    assert.match(merchantId, /^mch_/);
    assert.match(merchantNumber, /^89829005411[0-9]{4}$/);

    const merchant = await get(`/v1/merchants/${merchantId}`, merchantToken(merchantId));
    assert.equal(merchant.statusCode, 200);
    assert.equal(merchant.json().feePlan.category, 'discounted');
    assert.equal(merchant.json().feePlan.debitRateUnits, '3800');
    assert.equal(merchant.json().feePlan.debitCapFen, '2000');

    const registered = await post(`/v1/merchants/${merchantId}/terminals`, {
      serialNumber: 'HTTP-SN-0001',
      model: 'PAX A920',
    });
    assert.equal(registered.statusCode, 201);
    const { terminalId, activationCode } = registered.json();
    assert.match(terminalId, /^[0-9]{8}$/);
    const activated = await post('/v1/terminals/activate', { serialNumber: 'HTTP-SN-0001', activationCode }, NO_TOKEN);
    assert.equal(activated.statusCode, 200);
    assert.equal(activated.json().terminalId, terminalId);
    assert.equal(activated.json().merchantId, merchantId);
    const tmk: string = activated.json().tmk;

    const signedIn = await callUnary(
      grpcClient.signInTerminal.bind(grpcClient),
      { terminalId, merchantNumberFromTerminal: merchantNumber, keyMode: '003', operatorNumber: '01' },
      { timeoutMs: 5_000 },
    );
    const keys = unwrapSignInKeys(Buffer.from(tmk, 'hex'), Buffer.from(signedIn.field62), '003');
    assert.equal(keys.pik.length, 16);
    const terminals = await get(`/v1/merchants/${merchantId}/terminals`, merchantToken(merchantId));
    assert.equal(terminals.json().terminals[0].status, 'activated');
    assert.equal(terminals.json().terminals[0].signedIn, true);
  });

  it('enables T0 by application and operator approval', async () => {
    const { merchantId } = await onboardMerchant();
    const applied = await post(`/v1/merchants/${merchantId}/t0-applications`, undefined, merchantToken(merchantId));
    assert.equal(applied.statusCode, 201);
    const approved = await post(`/v1/t0-applications/${applied.json().id}/approve`, undefined);
    assert.equal(approved.json().status, 'approved');
    const merchant = await get(`/v1/merchants/${merchantId}`);
    assert.equal(merchant.json().t0Enabled, true);
  });
});

describe('per-merchant T0 limits in the fee plan over HTTP', () => {
  /** MCC 5411's category default (discounted) as the API presents it, before any T0 limit. */
  const discounted = {
    category: 'discounted',
    debitRateUnits: '3800',
    debitCapFen: '2000',
    creditRateUnits: '3800',
    t0RateUnits: '400',
    t0FixedFen: '0',
  };

  it('sets the limits at approval and with PUT fee-plan, reads them back, and null returns to the default', async () => {
    const submitted = await post('/v1/merchant-applications', application());
    const approved = await post(`/v1/merchant-applications/${submitted.json().id}/approve`, {
      feePlan: { ...discounted, t0SingleLimitFen: '500000', t0DailyQuotaFen: '2000000' },
    });
    assert.equal(approved.statusCode, 200, approved.body);
    const merchantUrl = `/v1/merchants/${approved.json().merchantId}`;
    const read = await get(merchantUrl);
    assert.deepEqual(read.json().feePlan, { ...discounted, t0SingleLimitFen: '500000', t0DailyQuotaFen: '2000000' });
    assert.equal(read.json().feePlanOverridden, true);

    // The presented plan goes back as a body unchanged; one limit may be set alone, equal limits are allowed.
    const changed = await put(`${merchantUrl}/fee-plan`, {
      feePlan: { ...read.json().feePlan, t0SingleLimitFen: '2000000', t0DailyQuotaFen: null },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().feePlan.t0SingleLimitFen, '2000000');
    assert.equal(changed.json().feePlan.t0DailyQuotaFen, null);
    const equal = await put(`${merchantUrl}/fee-plan`, {
      feePlan: { ...discounted, t0SingleLimitFen: '2000000', t0DailyQuotaFen: '2000000' },
    });
    assert.equal(equal.json().feePlan.t0DailyQuotaFen, '2000000');
    assert.equal((await get(merchantUrl)).json().feePlan.t0SingleLimitFen, '2000000');

    // PUT replaces the whole plan: limits left out are the platform default again (null).
    const defaults = await put(`${merchantUrl}/fee-plan`, { feePlan: discounted });
    assert.deepEqual(defaults.json().feePlan, { ...discounted, t0SingleLimitFen: null, t0DailyQuotaFen: null });
    assert.equal(defaults.json().feePlanOverridden, false);
  });

  it('refuses limits that are not positive integer fen, or a single limit above the daily quota, with 400', async () => {
    const { merchantId } = await onboardMerchant();
    const url = `/v1/merchants/${merchantId}/fee-plan`;
    const kept = { ...discounted, t0SingleLimitFen: '100000', t0DailyQuotaFen: '300000' };
    assert.equal((await put(url, { feePlan: kept })).statusCode, 200);
    for (const [field, value] of [
      ['t0SingleLimitFen', '0'],
      ['t0DailyQuotaFen', 0],
      ['t0SingleLimitFen', '-100'],
      ['t0SingleLimitFen', '1000.5'],
      ['t0DailyQuotaFen', 1000.5],
      ['t0DailyQuotaFen', '1e6'],
      ['t0SingleLimitFen', ''],
      ['t0DailyQuotaFen', false],
    ] as const) {
      const refused = await put(url, { feePlan: { ...kept, [field]: value } });
      assert.equal(refused.statusCode, 400, `${field} ${JSON.stringify(value)}`);
      assert.equal(refused.json().error.code, 'INVALID_REQUEST', `${field} ${JSON.stringify(value)}`);
    }
    const inverted = await put(url, { feePlan: { ...kept, t0SingleLimitFen: '300001' } });
    assert.equal(inverted.statusCode, 400);
    assert.equal(inverted.json().error.code, 'INVALID_FEE_PLAN');
    assert.match(inverted.json().error.message, /t0SingleLimitFen must not exceed t0DailyQuotaFen/);
    const huge = await put(url, { feePlan: { ...kept, t0DailyQuotaFen: '999999999999999999' } });
    assert.equal(huge.statusCode, 400);
    assert.equal(huge.json().error.code, 'INVALID_FEE_PLAN');
    assert.deepEqual((await get(`/v1/merchants/${merchantId}`)).json().feePlan, kept, 'no refusal changed the plan');

    const submitted = await post('/v1/merchant-applications', application());
    const approval = await post(`/v1/merchant-applications/${submitted.json().id}/approve`, {
      feePlan: { ...discounted, t0SingleLimitFen: '500001', t0DailyQuotaFen: '500000' },
    });
    assert.equal(approval.statusCode, 400);
    assert.equal(approval.json().error.code, 'INVALID_FEE_PLAN');
    assert.equal((await get(`/v1/merchant-applications/${submitted.json().id}`)).json().merchantId, null);
  });

  it('documents the limits in the OpenAPI request and response of the fee plan', async () => {
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const feePlanRoute = JSON.stringify(document.paths['/v1/merchants/{merchantId}/fee-plan']);
    const approveRoute = JSON.stringify(document.paths['/v1/merchant-applications/{id}/approve']);
    for (const field of ['t0SingleLimitFen', 't0DailyQuotaFen']) {
      assert.ok(feePlanRoute.includes(field), `PUT fee-plan documents ${field}`);
      assert.ok(approveRoute.includes(field), `approve documents ${field}`);
    }
  });
});

describe('refusals over HTTP', () => {
  it('answers a bad ID number with 400 INVALID_ID_NUMBER and a malformed body with 400 INVALID_REQUEST', async () => {
    const bad = await post('/v1/merchant-applications', application({ idNumber: '440304199003070001' }));
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'INVALID_ID_NUMBER');
    const missing = await post('/v1/merchant-applications', { merchantType: 'individual' });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'INVALID_REQUEST');
    const badId = await get('/v1/merchants/not-a-merchant');
    assert.equal(badId.statusCode, 400);
  });

  it('refuses wrong, expired and second activations, and terminals of a frozen merchant', async () => {
    const { merchantId } = await onboardMerchant();
    const first = (
      await post(`/v1/merchants/${merchantId}/terminals`, { serialNumber: 'HTTP-SN-0101', model: 'PAX' })
    ).json();
    const wrongCode = first.activationCode === '00000000' ? '11111111' : '00000000';
    const wrong = await post(
      '/v1/terminals/activate',
      { serialNumber: 'HTTP-SN-0101', activationCode: wrongCode },
      NO_TOKEN,
    );
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error.code, 'ACTIVATION_CODE_INVALID');
    clock.offsetMs = 3_600_000;
    try {
      const expired = await post(
        '/v1/terminals/activate',
        { serialNumber: 'HTTP-SN-0101', activationCode: first.activationCode },
        NO_TOKEN,
      );
      assert.equal(expired.statusCode, 409);
      assert.equal(expired.json().error.code, 'ACTIVATION_CODE_EXPIRED');
    } finally {
      clock.offsetMs = 0;
    }
    const second = (
      await post(`/v1/merchants/${merchantId}/terminals`, { serialNumber: 'HTTP-SN-0102', model: 'PAX' })
    ).json();
    const ok = await post(
      '/v1/terminals/activate',
      { serialNumber: 'HTTP-SN-0102', activationCode: second.activationCode },
      NO_TOKEN,
    );
    assert.equal(ok.statusCode, 200);
    const again = await post(
      '/v1/terminals/activate',
      { serialNumber: 'HTTP-SN-0102', activationCode: second.activationCode },
      NO_TOKEN,
    );
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'TERMINAL_ALREADY_ACTIVATED');

    const third = (
      await post(`/v1/merchants/${merchantId}/terminals`, { serialNumber: 'HTTP-SN-0103', model: 'PAX' })
    ).json();
    const frozen = await post(`/v1/merchants/${merchantId}/status`, { status: 'frozen', reason: '交易异常排查' });
    assert.equal(frozen.json().status, 'frozen');
    const blocked = await post(
      '/v1/terminals/activate',
      { serialNumber: 'HTTP-SN-0103', activationCode: third.activationCode },
      NO_TOKEN,
    );
    assert.equal(blocked.statusCode, 409);
    assert.equal(blocked.json().error.code, 'MERCHANT_NOT_ACTIVE');
    const signIn = await callUnary(
      grpcClient.signInTerminal.bind(grpcClient),
      { terminalId: ok.json().terminalId, merchantNumberFromTerminal: '', keyMode: '003', operatorNumber: '' },
      { timeoutMs: 5_000 },
    ).catch((error: unknown) => error);
    assert.ok(signIn instanceof ServiceError);
    assert.equal(signIn.responseCode, '03');
  });

  it('keeps merchants to their own data and refuses missing, bad and expired tokens', async () => {
    const mine = await onboardMerchant();
    const theirs = await onboardMerchant();
    const token = merchantToken(mine.merchantId);
    const foreign = await get(`/v1/merchants/${theirs.merchantId}`, token);
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().error.code, 'NOT_YOUR_MERCHANT');
    assert.equal((await get(`/v1/merchants/${theirs.merchantId}/terminals`, token)).statusCode, 403);
    const operatorOnly = await post(
      `/v1/merchants/${mine.merchantId}/terminals`,
      { serialNumber: 'HTTP-SN-0201', model: 'PAX' },
      token,
    );
    assert.equal(operatorOnly.statusCode, 403);
    assert.equal(operatorOnly.json().error.code, 'OPERATOR_ONLY');
    const missing = await get(`/v1/merchants/${mine.merchantId}`, NO_TOKEN);
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.json().error.code, 'ACCESS_TOKEN_MISSING');
    const forged = await get(`/v1/merchants/${mine.merchantId}`, `${token}x`);
    assert.equal(forged.json().error.code, 'ACCESS_TOKEN_INVALID');
    const old = issueAccessToken({
      secret: SECRET,
      subject: 'op',
      role: 'operator',
      nowMs: Date.now() - 7_200_000,
      ttlSeconds: 3600,
    });
    const expired = await get(`/v1/merchants/${mine.merchantId}`, old);
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.json().error.code, 'ACCESS_TOKEN_EXPIRED');
    const unknown = await get('/v1/merchants/mch_aaaaaaaaaaaaaaaaaaaa');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'MERCHANT_NOT_FOUND');
  });
});

describe('audit and documentation', () => {
  it('records every operator action with its outcome, and none of the merchant reads', async () => {
    const { merchantId } = await onboardMerchant();
    await get(`/v1/merchants/${merchantId}`, merchantToken(merchantId));
    await post(`/v1/merchants/${merchantId}/status`, { status: 'closed', reason: '商户注销' });
    await post(`/v1/merchants/${merchantId}/status`, { status: 'active', reason: '误操作' });
    const rows = await gatewayPool.query<{ subject: string; method: string; route: string; status_code: number }>(
      `SELECT subject, method, route, status_code FROM http_access_audit_log WHERE params->>'merchantId' = $1 ORDER BY entry_id`,
      [merchantId],
    );
    assert.deepEqual(
      rows.rows.map((row) => [row.subject, row.method, row.route, row.status_code]),
      [
        ['op_alice', 'POST', '/v1/merchants/:merchantId/status', 200],
        ['op_alice', 'POST', '/v1/merchants/:merchantId/status', 409],
      ],
    );
  });

  it('refuses operator actions with 503 when the audit log cannot record them, and performs none', async () => {
    const { merchantId } = await onboardMerchant();
    const unrecorded = await buildHttpApp({
      clients: { merchant: grpcClient },
      accessTokenSecret: SECRET,
      auditLog: {
        begin: async () => {
          throw new Error('audit database unreachable');
        },
        finish: async () => {},
      },
      logger,
    });
    try {
      const frozen = await unrecorded.inject({
        method: 'POST',
        url: `/v1/merchants/${merchantId}/status`,
        payload: { status: 'frozen', reason: '测试' },
        headers: bearer(operatorToken),
      });
      assert.equal(frozen.statusCode, 503);
      assert.equal(frozen.json().error.code, 'AUDIT_LOG_UNAVAILABLE');
      const merchantRead = await unrecorded.inject({
        method: 'GET',
        url: `/v1/merchants/${merchantId}`,
        headers: bearer(merchantToken(merchantId)),
      });
      assert.equal(merchantRead.json().status, 'active');
    } finally {
      await unrecorded.close();
    }
  });

  it('serves the OpenAPI document with the fixed routes', async () => {
    const document = await app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(document.statusCode, 200);
    const paths = Object.keys(document.json().paths);
    for (const path of [
      '/v1/merchant-applications',
      '/v1/merchant-applications/{id}',
      '/v1/merchant-applications/{id}/approve',
      '/v1/merchant-applications/{id}/reject',
      '/v1/merchants/{merchantId}',
      '/v1/merchants/{merchantId}/terminals',
      '/v1/terminals/activate',
      '/v1/merchants/{merchantId}/t0-applications',
      '/v1/t0-applications/{id}/approve',
    ]) {
      assert.ok(paths.includes(path), `OpenAPI lists ${path}`);
    }
  });

  it('answers a token past its request rate 429 with Retry-After over HTTP; other and forged tokens are unaffected', async () => {
    const pinned = { nowMs: Date.now() };
    const limited = await buildHttpApp({
      clients: { merchant: grpcClient },
      accessTokenSecret: SECRET,
      auditLog: createPostgresAuditLog(gatewayPool),
      logger,
      nowMs: () => pinned.nowMs,
      tokenRateLimit: { requestsPerSecond: 1, burstRequests: 2 },
    });
    try {
      await limited.listen({ port: 0, host: '127.0.0.1' });
      const address = limited.server.address();
      assert.ok(typeof address === 'object' && address !== null);
      const url = `http://127.0.0.1:${address.port}/v1/merchants/mch_unknown`;
      const call = (token: string) => fetch(url, { headers: bearer(token) });
      const busy = issueAccessToken({ secret: SECRET, subject: 'op_busy', role: 'operator', nowMs: Date.now() });
      const calm = issueAccessToken({ secret: SECRET, subject: 'op_calm', role: 'operator', nowMs: Date.now() });
      // An unknown merchant id: within the burst the request reaches routing and validation (not 429).
      const served = (await call(busy)).status;
      assert.ok(served !== 429 && served < 500, `within the burst the request is served (${served})`);
      assert.equal((await call(busy)).status, served);
      const refused = await call(busy);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1', 'one token back in 1 s at 1/s');
      assert.deepEqual(await refused.json(), {
        error: { code: 'TOKEN_RATE_LIMITED', message: 'too many requests for this access token' },
      });
      assert.equal((await call(calm)).status, served, 'another subject has its own bucket');
      assert.equal((await call(`${busy.slice(0, -2)}xx`)).status, 401, 'a forged token is refused before the limit');
      pinned.nowMs += 1_000;
      assert.equal((await call(busy)).status, served, 'served again once a token is back');
    } finally {
      await limited.close();
    }
  });
});
