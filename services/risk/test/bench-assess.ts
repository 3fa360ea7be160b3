/**
 * Benchmark of Assess under a steady 4,000 requests/s (RISK_BENCH_RATE) on one multiplexed stream.
 * Starts the real risk service as a child process (own schema and Redis prefix), drives it for
 * RISK_BENCH_SECONDS, and prints risk's own processing time (elapsed_us in each answer) and the
 * client round trip as p50/p99/max. Run: `npm run bench` in services/risk.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { CardKind } from '@acq/proto/authorization/v1/events.ts';
import {
  type AssessRequest,
  type AssessResponse,
  Decision,
  EntryMode,
  FeeCategory,
  MerchantStatus,
  MerchantType,
  RiskServiceClient,
  TerminalStatus,
} from '@acq/proto/risk/v1/risk.ts';
import { credentials } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import pg from 'pg';

const RATE_PER_SECOND = Number(process.env.RISK_BENCH_RATE ?? 4_000);
const DURATION_SECONDS = Number(process.env.RISK_BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = 3;
const MERCHANT_COUNT = 2_000;
const TICK_MS = 5;
const GRPC_PORT = 50_962;
const OPS_PORT = 9_962;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const schema = `risk_bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const prefix = `bench:risk:${randomUUID()}:{risk}:`;

function startService(): ChildProcess {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  // RISK_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the service.
  const nodeArgs = (process.env.RISK_BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  return spawn(process.execPath, [...nodeArgs, main], {
    env: {
      ...process.env,
      RISK_GRPC_PORT: String(GRPC_PORT),
      RISK_OPS_PORT: String(OPS_PORT),
      RISK_DATABASE_SCHEMA: schema,
      RISK_REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitReady(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const ready = await fetch(`http://127.0.0.1:${OPS_PORT}/readyz`, { signal: AbortSignal.timeout(500) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(100);
  }
  throw new Error('risk did not become ready');
}

function request(sequence: number): AssessRequest {
  const merchant = sequence % MERCHANT_COUNT;
  return {
    correlationId: String(sequence),
    deadlineMs: 50,
    txnId: `auth_bench_${sequence}`,
    kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
    terminal: {
      terminalId: `B${String(merchant).padStart(7, '0')}`,
      merchantId: `mch_bench_${merchant}`,
      merchantNumber: `89858105411${String(merchant).padStart(4, '0')}`,
      mcc: '5411',
      areaCode: '5810',
      merchantType: MerchantType.MERCHANT_TYPE_INDIVIDUAL,
      merchantStatus: MerchantStatus.MERCHANT_STATUS_ACTIVE,
      terminalStatus: TerminalStatus.TERMINAL_STATUS_ACTIVATED,
      boundAtMs: 1n,
      reboundAtMs: 0n,
      t0Enabled: true,
      feeCategory: FeeCategory.FEE_CATEGORY_STANDARD,
      registeredLocation: { latitudeE6: 23_129_000, longitudeE6: 113_264_000, areaCode: '440100' },
      contextVersion: 1n,
    },
    cardToken: `tok_bench_${sequence % 50_000}`,
    cardKind: CardKind.CARD_KIND_DEBIT,
    amountFen: BigInt(1_000 + (sequence % 9_000)),
    entryMode: EntryMode.ENTRY_MODE_CONTACT_IC,
    pinPresent: true,
    merchantNumberFromTerminal: `89858105411${String(merchant).padStart(4, '0')}`,
    reportedLocation: { latitudeE6: 23_130_000, longitudeE6: 113_265_000, areaCode: '440100' },
    occurredAtMs: BigInt(Date.now()),
  };
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

function summary(name: string, values: number[]): string {
  values.sort((a, b) => a - b);
  return `${name}: p50 ${percentile(values, 0.5).toFixed(3)} ms, p99 ${percentile(values, 0.99).toFixed(3)} ms, max ${percentile(values, 1).toFixed(3)} ms`;
}

async function drive(client: RiskServiceClient): Promise<void> {
  const stream = client.assess();
  const sentAt = new Map<string, number>();
  const serverMs: number[] = [];
  const roundTripMs: number[] = [];
  const decisions = new Map<number, number>();
  const rules = new Map<string, number>();
  const measureFrom = WARMUP_SECONDS * RATE_PER_SECOND;
  stream.on('data', (answer: AssessResponse) => {
    const started = sentAt.get(answer.correlationId);
    sentAt.delete(answer.correlationId);
    if (started === undefined || Number(answer.correlationId) < measureFrom) return;
    roundTripMs.push(performance.now() - started);
    serverMs.push(answer.elapsedUs / 1000);
    decisions.set(answer.decision, (decisions.get(answer.decision) ?? 0) + 1);
    for (const fired of answer.firedRules) rules.set(fired.rule, (rules.get(fired.rule) ?? 0) + 1);
  });
  const total = (WARMUP_SECONDS + DURATION_SECONDS) * RATE_PER_SECOND;
  const startedAt = performance.now();
  let sequence = 0;
  while (sequence < total) {
    const due = Math.min(total, Math.floor(((performance.now() - startedAt) / 1000) * RATE_PER_SECOND));
    for (; sequence < due; sequence += 1) {
      const item = request(sequence);
      sentAt.set(item.correlationId, performance.now());
      stream.write(item);
    }
    await sleep(TICK_MS);
  }
  stream.end();
  await new Promise((resolve) => stream.on('end', resolve));
  const seconds = (performance.now() - startedAt) / 1000;
  console.log(
    `sent ${total} in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s), measured ${serverMs.length}`,
  );
  console.log(summary('risk processing (elapsed_us)', serverMs));
  console.log(summary('client round trip', roundTripMs));
  console.log(`decisions: ${JSON.stringify(Object.fromEntries(decisions))} (1 approve, 2 decline, 3 flag)`);
  if ((decisions.get(Decision.DECISION_DECLINE) ?? 0) > 0)
    console.log(`fired rules: ${JSON.stringify(Object.fromEntries(rules))}`);
}

const child = startService();
try {
  await waitReady();
  const client = new RiskServiceClient(`127.0.0.1:${GRPC_PORT}`, credentials.createInsecure());
  await drive(client);
  client.close();
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}
