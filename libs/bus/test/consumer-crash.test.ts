// Goal: a consumer process killed in the middle of a transaction loses nothing and applies nothing
// twice: a per-event poison event that kills it on every run cannot crash-loop it (dead_letter after
// retryCountMax crashes), and a batch handler killed mid-batch redelivers the batch, which is then
// applied exactly once, in order. Method: run a Postgres-log consumer as a child process that
// SIGKILLs itself, restart it after each crash, and inspect the consumer's tables.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import { buildEvent, createPostgresLogPublisher, ensureBusTables, ensurePostgresLog } from '../src/index.ts';
import { encodeSequence } from './helpers.ts';

const CONSUMER_CHILD_PATH = fileURLToPath(new URL('./fixtures/consumer-child.ts', import.meta.url));
const RETRY_COUNT_MAX = 3;
const EVENT_COUNT = 10;
const POISON_SEQUENCE = 5;
const RUN_TIMEOUT_MS = 20_000;
let database: TestDatabase;

before(async () => {
  database = await testDatabase();
});
after(async () => {
  await database.close();
});

/** A consumer schema with EVENT_COUNT events of one key waiting in a private Postgres log. */
async function setUpConsumer(): Promise<{ pool: pg.Pool; env: Record<string, string | undefined> }> {
  const busSchema = await database.createSchema('bus');
  const schema = await database.createSchema('crash');
  const pool = database.createPool(schema);
  await ensurePostgresLog(pool, busSchema);
  await ensureBusTables(pool, schema);
  await pool.query(
    'CREATE TABLE received (id bigserial PRIMARY KEY, event_id uuid NOT NULL, event_key text NOT NULL, sequence int NOT NULL)',
  );
  await pool.query('CREATE TABLE crashes (crashed boolean PRIMARY KEY)');
  const events = Array.from({ length: EVENT_COUNT }, (_, index) =>
    buildEvent({ topic: 'crash.t', key: 'one-key', type: 't.T', payload: encodeSequence(index + 1) }),
  );
  await createPostgresLogPublisher({ pool, busSchema }).publish(events);
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    CONSUMER_SCHEMA: schema,
    CONSUMER_BUS_SCHEMA: busSchema,
    CONSUMER_TOPIC: 'crash.t',
    CONSUMER_RETRY_COUNT_MAX: String(RETRY_COUNT_MAX),
  };
  return { pool, env };
}

/** Runs the child until `finished` or it dies, up to `runCountMax` times; returns how many runs were SIGKILLed. */
async function runUntil(
  env: Record<string, string | undefined>,
  finished: () => Promise<boolean>,
  runCountMax: number,
): Promise<number> {
  let crashCount = 0;
  for (let run = 0; run < runCountMax && !(await finished()); run++) {
    const child = spawn(process.execPath, [CONSUMER_CHILD_PATH], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const exit = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    while (child.exitCode === null && child.signalCode === null && !(await finished()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    if ((await exit) === 'SIGKILL') crashCount++;
  }
  return crashCount;
}

async function receivedSequences(pool: pg.Pool): Promise<number[]> {
  const received = await pool.query('SELECT sequence FROM received ORDER BY id');
  return received.rows.map((row) => row.sequence);
}

test('a consumer killed by a poison event dead-letters it after retryCountMax crashes', async () => {
  const { pool, env } = await setUpConsumer();
  const finished = async () => {
    const counts = await pool.query(
      'SELECT (SELECT count(*) FROM received)::int AS received, (SELECT count(*) FROM dead_letter)::int AS dead',
    );
    return counts.rows[0].received === EVENT_COUNT - 1 && counts.rows[0].dead === 1;
  };
  const crashCount = await runUntil(
    { ...env, CONSUMER_POISON_SEQUENCE: String(POISON_SEQUENCE) },
    finished,
    RETRY_COUNT_MAX + 2,
  );
  assert.equal(await finished(), true);
  assert.equal(crashCount, RETRY_COUNT_MAX);
  assert.deepEqual(await receivedSequences(pool), [1, 2, 3, 4, 6, 7, 8, 9, 10]);
  const deadLetter = await pool.query('SELECT reason, started_attempts, failed_attempts FROM dead_letter');
  assert.deepEqual(deadLetter.rows, [
    {
      reason: `processing crashed ${RETRY_COUNT_MAX} times without finishing`,
      started_attempts: RETRY_COUNT_MAX,
      failed_attempts: 0,
    },
  ]);
});

test('a batch handler killed mid-batch gets the batch again and applies every event exactly once, in order', async () => {
  const { pool, env } = await setUpConsumer();
  const finished = async () => {
    const counts = await pool.query(
      'SELECT count(*)::int AS processed FROM inbox WHERE processed_at IS NOT NULL AND consumer_group = $1',
      ['crash-group'],
    );
    return counts.rows[0].processed === EVENT_COUNT;
  };
  const crashCount = await runUntil({ ...env, CONSUMER_HANDLER_KIND: 'batch' }, finished, 3);
  assert.equal(crashCount, 1);
  assert.equal(await finished(), true);
  const expected = Array.from({ length: EVENT_COUNT }, (_, index) => index + 1);
  assert.deepEqual(
    await receivedSequences(pool),
    expected,
    'the killed batch left nothing; the redelivery applied each event once',
  );
  const deadLetter = await pool.query('SELECT count(*)::int AS n FROM dead_letter');
  assert.equal(deadLetter.rows[0].n, 0);
  // Every event was started by the killed batch and once more after it: one crash each, below the limit.
  const inbox = await pool.query('SELECT DISTINCT started_attempts, failed_attempts FROM inbox');
  assert.deepEqual(inbox.rows, [{ started_attempts: 2, failed_attempts: 0 }]);
});
