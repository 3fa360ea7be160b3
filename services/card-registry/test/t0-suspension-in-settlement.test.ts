/**
 * Goal: a completed settlement-card change is visible in settlement as a T0 suspension (DESIGN §5), end
 * to end over the event bus. Method: a fresh database holding each service's default schema and the
 * shared `bus` event log; network-sim and the real settlement service run as child processes, the merchant
 * service and the card registry in-process; settlement's GetBalance is read over gRPC before and after.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { callUnary, createClient } from '@acq/grpc';
import { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import { type Balance, SettlementServiceClient } from '@acq/proto/settlement/v1/settlement.ts';
import { CardRegistryServiceClient } from '@acq/proto/card_registry/v1/card_registry.ts';
import pg from 'pg';
import { completeChange } from './support/change-flow.ts';
import {
  CARD_TOKEN_KEY_HEX,
  MASTER_KEY_HEX,
  OPERATOR,
  onboardingHelpers,
  residentId,
  type Services,
  simHelpers,
  startServices,
  TEST_SETTINGS,
} from './support/harness.ts';
import { freePort, type ServiceProcess, startServiceProcess } from './support/network-sim-process.ts';

const SETTLEMENT_MAIN = join(import.meta.dirname, '../../settlement/src/main.ts');
const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CALL_TIMEOUT_MS = 10_000;
const SETTLEMENT_WAIT_MS = 30_000;
const POLL_INTERVAL_MS = 100;

const databaseName = `card_registry_e2e_${randomBytes(5).toString('hex')}`;
const databaseUrl = BASE_DATABASE_URL.replace(/\/[^/]*$/, `/${databaseName}`);
let services: Services | undefined;
let settlement: ServiceProcess | undefined;
let settlementClient: SettlementServiceClient;

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: BASE_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

before(async () => {
  await adminQuery(`CREATE DATABASE ${databaseName}`);
  const schemas = { registry: 'card_registry', merchant: 'merchant', bus: 'bus' };
  services = await startServices({ databaseUrl, schemas }, TEST_SETTINGS, Date.now, []);
  const [grpcPort, opsPort] = [await freePort(), await freePort()];
  settlement = await startServiceProcess(
    SETTLEMENT_MAIN,
    {
      DATABASE_URL: databaseUrl,
      HSM_MASTER_KEY: MASTER_KEY_HEX,
      CARD_TOKEN_KEY: CARD_TOKEN_KEY_HEX,
      SETTLEMENT_GRPC_PORT: String(grpcPort),
      SETTLEMENT_OPS_PORT: String(opsPort),
      MERCHANT_GRPC_URL: `127.0.0.1:${services.merchantService.grpcPort}`,
      CARD_REGISTRY_GRPC_URL: `127.0.0.1:${services.registry.grpcPort}`,
      NETWORK_SIM_HTTP_URL: services.sim.httpUrl,
    },
    `http://127.0.0.1:${opsPort}/readyz`,
  );
  settlementClient = createClient(SettlementServiceClient, `127.0.0.1:${grpcPort}`);
});

after(async () => {
  settlementClient?.close();
  await settlement?.stop();
  await services?.registry.stop(1_000);
  await services?.merchantService.stop(1_000);
  await services?.sim.stop();
  await adminQuery(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
});

async function balanceWhen(merchantId: string, wanted: (balance: Balance) => boolean): Promise<Balance> {
  const deadline = Date.now() + SETTLEMENT_WAIT_MS;
  let last: Balance | undefined;
  while (Date.now() < deadline) {
    last = await callUnary(
      settlementClient.getBalance.bind(settlementClient),
      { merchantId },
      {
        timeoutMs: CALL_TIMEOUT_MS,
      },
    ).catch(() => undefined);
    if (last !== undefined && wanted(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(
    `settlement never showed the expected balance (last: ${JSON.stringify(last, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))})`,
  );
}

test('after a change settlement reports T0 suspended for the merchant', {
  skip: !existsSync(SETTLEMENT_MAIN),
}, async () => {
  assert.ok(services !== undefined);
  const registryClient = createClient(CardRegistryServiceClient, `127.0.0.1:${services.registry.grpcPort}`);
  const merchantClient = createClient(MerchantServiceClient, `127.0.0.1:${services.merchantService.grpcPort}`);
  try {
    const call = <Request, Response>(method: Parameters<typeof callUnary<Request, Response>>[0], request: Request) =>
      callUnary(method.bind(registryClient), request, { timeoutMs: CALL_TIMEOUT_MS });
    const sim = simHelpers(services.sim);
    const onboarding = onboardingHelpers(merchantClient, call, registryClient);
    const holder = { name: '许十四', idNumber: residentId(), phone: `136${randomInt(10_000_000, 100_000_000)}` };
    const merchantId = await onboarding.onboardMerchant(holder, await sim.createSimCard(holder));
    await onboarding.waitForActiveCard(merchantId);
    const merchantCall = <Request, Response>(
      method: Parameters<typeof callUnary<Request, Response>>[0],
      request: Request,
    ) => callUnary(method.bind(merchantClient), request, { timeoutMs: CALL_TIMEOUT_MS });
    const t0 = await merchantCall(merchantClient.submitT0Application, { merchantId, actor: OPERATOR });
    await merchantCall(merchantClient.approveT0Application, { t0ApplicationId: t0.t0ApplicationId, actor: OPERATOR });
    const before = await balanceWhen(merchantId, (balance) => balance.t0Enabled);
    assert.equal(before.t0Suspended, false);

    const changed = await completeChange(
      { call, client: registryClient, ...sim },
      merchantId,
      holder,
      await sim.createSimCard(holder),
    );
    assert.equal(changed.state, 'active');
    const afterChange = await balanceWhen(merchantId, (balance) => balance.t0Suspended);
    assert.equal(afterChange.t0Enabled, true);
  } finally {
    registryClient.close();
    merchantClient.close();
  }
});
