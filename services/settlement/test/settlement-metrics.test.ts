// Goal: the settlement gauges the Settlement & T0 dashboard and alerts read (payouts by kind and
// state, T0 lag, overdue bills, open reconciliation exceptions, outbox and consumer lag, pool) come
// out of /metrics with their Prometheus names and the values of the tables, zeros included.
// Method: real Postgres schema with the service's migrations and bus tables, rows inserted
// directly, the metrics served by @acq/telemetry's Prometheus exporter and read over HTTP.
import { strict as expect } from 'node:assert';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBusTables, type Subscription } from '@acq/bus';
import { createPool, runMigrations } from '@acq/db';
import { createLogger, createMetrics, type MetricsRuntime } from '@acq/telemetry';
import type pg from 'pg';
import { registerSettlementMetrics } from '../src/transport/settlement-metrics.ts';

const SCHEMA = `settlement_metrics_${randomBytes(4).toString('hex')}`;
const MIGRATIONS = fileURLToPath(new URL('../migrations', import.meta.url));
const CONSUMER_LAG_EVENTS = 7;

let pool: pg.Pool;
let metrics: MetricsRuntime;
let server: Server;
let metricsUrl: string;

before(async () => {
  pool = createPool({
    connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    schema: SCHEMA,
    applicationName: 'settlement-metrics-test',
    poolSizeMax: 2,
    statementTimeoutMs: 5_000,
  });
  await pool.query(`CREATE SCHEMA ${SCHEMA}`);
  await runMigrations(pool, { schema: SCHEMA, directory: MIGRATIONS });
  await ensureBusTables(pool, SCHEMA);
  metrics = createMetrics('settlement-test');
  const subscription: Subscription = {
    completedCount: 0,
    lag: async () => CONSUMER_LAG_EVENTS,
    stop: async () => {},
  };
  registerSettlementMetrics(metrics.meter, {
    pool,
    schema: SCHEMA,
    subscriptions: [subscription],
    logger: createLogger({ service: 'settlement-test', level: 'silent' }),
  });
  server = createServer((request, response) => metrics.handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

after(async () => {
  server?.close();
  await metrics?.shutdown();
  await pool?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await pool?.end();
});

async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const separator = line.lastIndexOf(' ');
    samples.set(line.slice(0, separator), Number(line.slice(separator + 1)));
  }
  return samples;
}

async function insertPayout(kind: string, state: string, ageSeconds: number): Promise<void> {
  await pool.query(
    `INSERT INTO payouts (payout_id, merchant_id, kind, gross_fen, surcharge_fen, amount_fen, hold_transfer_id, state, created_at)
     VALUES ($1, 'mch_metrics', $2, 1000, 0, 1000, $3, $4, now() - make_interval(secs => $5))`,
    [`stl_${randomUUID()}`, kind, randomUUID(), state, ageSeconds],
  );
}

test('an empty schema reports every kind, state and category as zero', async () => {
  const samples = await scrape();
  expect.equal(samples.get('acquirer_settlement_payouts{kind="t0",state="created"}'), 0);
  expect.equal(samples.get('acquirer_settlement_payouts{kind="t1",state="succeeded"}'), 0);
  expect.equal(samples.get('acquirer_settlement_payout_open_age_seconds{kind="t0"}'), 0);
  expect.equal(samples.get('acquirer_settlement_bills_overdue'), 0);
  expect.equal(samples.get('acquirer_settlement_bills_overdue_amount_fen'), 0);
  expect.equal(samples.get('acquirer_settlement_reconciliation_exceptions_open{category="amount_mismatch"}'), 0);
  expect.equal(samples.get('acquirer_bus_outbox_oldest_pending_age_seconds'), 0);
  expect.equal(samples.get('acquirer_bus_consumer_lag'), CONSUMER_LAG_EVENTS);
  expect.ok((samples.get('db_client_connection_count{db_client_connection_state="used"}') ?? -1) >= 0);
  expect.equal(samples.get('db_client_connection_pending_requests'), 0);
});

test('T0 lag is the oldest open T0 payout; final payouts count by state but never add lag', async () => {
  await insertPayout('t0', 'submitted', 90);
  await insertPayout('t0', 'retry_wait', 30);
  await insertPayout('t0', 'succeeded', 3_600);
  await insertPayout('t0', 'failed', 600);
  await insertPayout('t1', 'succeeded', 120);
  const samples = await scrape();
  const lag = samples.get('acquirer_settlement_payout_open_age_seconds{kind="t0"}') ?? -1;
  expect.ok(lag >= 90 && lag < 120, `T0 lag ${lag} s is the 90 s open payout`);
  expect.equal(samples.get('acquirer_settlement_payout_open_age_seconds{kind="t1"}'), 0);
  expect.equal(samples.get('acquirer_settlement_payouts{kind="t0",state="submitted"}'), 1);
  expect.equal(samples.get('acquirer_settlement_payouts{kind="t0",state="failed"}'), 1);
  expect.equal(samples.get('acquirer_settlement_payouts{kind="t1",state="succeeded"}'), 1);
});

test('payouts final before the 24 h window drop out; open ones stay whatever their age', async () => {
  await insertPayout('d0', 'succeeded', 2 * 86_400);
  await insertPayout('d0', 'created', 2 * 86_400);
  const samples = await scrape();
  expect.equal(samples.get('acquirer_settlement_payouts{kind="d0",state="succeeded"}'), 0);
  expect.equal(samples.get('acquirer_settlement_payouts{kind="d0",state="created"}'), 1);
  expect.ok((samples.get('acquirer_settlement_payout_open_age_seconds{kind="d0"}') ?? 0) >= 2 * 86_400);
});

test('only open bills past their due date are overdue, counted in unpaid fen', async () => {
  await pool.query(
    `INSERT INTO bills (bill_id, merchant_id, kind, source_reference, amount_fen, repaid_fen, raised_on, due_on, state)
     VALUES ('bill_overdue', 'mch_metrics', 'service_fee', 'a', 5000, 1200, current_date - 10, current_date - 1, 'open'),
            ('bill_due_today', 'mch_metrics', 'service_fee', 'b', 700, 0, current_date - 1, current_date, 'open'),
            ('bill_paid', 'mch_metrics', 'service_fee', 'c', 900, 900, current_date - 10, current_date - 5, 'paid')`,
  );
  await pool.query(
    `INSERT INTO reconciliation_exceptions (exception_id, clearing_date, category, rrn, state)
     VALUES ('exc_1', current_date - 1, 'network_only', '000000000001', 'open'),
            ('exc_2', current_date - 1, 'network_only', '000000000002', 'resolved')`,
  );
  const samples = await scrape();
  expect.equal(samples.get('acquirer_settlement_bills_overdue'), 1);
  expect.equal(samples.get('acquirer_settlement_bills_overdue_amount_fen'), 3800);
  expect.equal(samples.get('acquirer_settlement_reconciliation_exceptions_open{category="network_only"}'), 1);
  expect.equal(samples.get('acquirer_settlement_reconciliation_exceptions_open{category="platform_only"}'), 0);
});
