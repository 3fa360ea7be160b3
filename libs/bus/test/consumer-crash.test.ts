// Goal: a poison event that kills the consumer process cannot crash-loop it: after retryCountMax
// crashes it goes to dead_letter with the reason, and every other event is applied exactly once in
// order. Method: run a Postgres-log consumer as a child process that SIGKILLs itself on the poison
// event, restart it after each crash, and inspect the consumer's tables.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import { buildEvent, createPostgresLogPublisher, ensureBusTables, ensurePostgresLog } from '../src/index.ts';
import { encodeSequence } from './helpers.ts';

const CONSUMER_CHILD_PATH = fileURLToPath(new URL('./fixtures/consumer-child.ts', import.meta.url));
const RETRY_COUNT_MAX = 3;
const EVENT_COUNT = 10;
const POISON_SEQUENCE = 5;
let database: TestDatabase;

before(async () => {
  database = await testDatabase();
});
after(async () => {
  await database.close();
});

test('a consumer killed by a poison event dead-letters it after retryCountMax crashes', async () => {
  const busSchema = await database.createSchema('bus');
  const schema = await database.createSchema('crash');
  const pool = database.createPool(schema);
  await ensurePostgresLog(pool, busSchema);
  await ensureBusTables(pool, schema);
  await pool.query(
    'CREATE TABLE received (id bigserial PRIMARY KEY, event_id uuid NOT NULL, event_key text NOT NULL, sequence int NOT NULL)',
  );
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
    CONSUMER_POISON_SEQUENCE: String(POISON_SEQUENCE),
    CONSUMER_RETRY_COUNT_MAX: String(RETRY_COUNT_MAX),
  };
  const finished = async () => {
    const counts = await pool.query(
      'SELECT (SELECT count(*) FROM received)::int AS received, (SELECT count(*) FROM dead_letter)::int AS dead',
    );
    return counts.rows[0].received === EVENT_COUNT - 1 && counts.rows[0].dead === 1;
  };
  let crashCount = 0;
  for (let run = 0; run < RETRY_COUNT_MAX + 2 && !(await finished()); run++) {
    const child = spawn(process.execPath, [CONSUMER_CHILD_PATH], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const exit = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + 20_000;
    while (child.exitCode === null && child.signalCode === null && !(await finished()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    if ((await exit) === 'SIGKILL') crashCount++;
  }
  assert.equal(await finished(), true);
  assert.equal(crashCount, RETRY_COUNT_MAX);
  const received = await pool.query('SELECT sequence FROM received ORDER BY id');
  assert.deepEqual(
    received.rows.map((row) => row.sequence),
    [1, 2, 3, 4, 6, 7, 8, 9, 10],
  );
  const deadLetter = await pool.query('SELECT reason, started_attempts, failed_attempts FROM dead_letter');
  assert.deepEqual(deadLetter.rows, [
    {
      reason: `processing crashed ${RETRY_COUNT_MAX} times without finishing`,
      started_attempts: RETRY_COUNT_MAX,
      failed_attempts: 0,
    },
  ]);
});
