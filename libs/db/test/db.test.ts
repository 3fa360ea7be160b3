// Goal: prove the pool, migrations, transaction helper, advisory lease and ping behave as the
// services rely on. Method: run each helper against real Postgres in a throwaway schema.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import {
  AdvisoryLease,
  afterCommit,
  createPool,
  DatabaseError,
  databaseLimits,
  DatabaseErrorCode,
  pingDatabase,
  runMigrations,
  SqlState,
  StatementNames,
  toDatabaseError,
  withAdvisoryLease,
  withTransaction,
} from '../src/index.ts';

let database: TestDatabase;
let schema: string;
let pool: pg.Pool;

before(async () => {
  database = await testDatabase();
  schema = await database.createSchema('dbtest');
  pool = database.createPool(schema, { poolSizeMax: 8 });
});
after(async () => {
  await database.close();
});

/** A pool of one connection on the test schema, created through createPool as services do. */
function singleConnectionPool(applicationName: string, statementTimeoutMs: number): pg.Pool {
  return createPool({ connectionString: database.url, schema, applicationName, poolSizeMax: 1, statementTimeoutMs });
}

async function migrationFolder(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'acq-migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(directory, name), sql);
  return directory;
}

describe('createPool', () => {
  test('binds search_path to the schema, parses int8 as bigint and keeps numeric as string', async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS amounts (amount_fen bigint, ratio numeric, list bigint[])');
    await pool.query("INSERT INTO amounts VALUES (9007199254740993, '0.006000', '{1,9007199254740993}')");
    const result = await pool.query('SELECT amount_fen, ratio, list, current_schema() AS schema FROM amounts');
    assert.deepEqual(result.rows[0], {
      amount_fen: 9007199254740993n,
      ratio: '0.006000',
      list: [1n, 9007199254740993n],
      schema,
    });
  });

  test('cancels statements that exceed statement_timeout', async () => {
    const shortPool = singleConnectionPool('db-test-timeout', 50);
    try {
      await assert.rejects(shortPool.query('SELECT pg_sleep(1)'), { code: SqlState.queryCanceled });
    } finally {
      await shortPool.end();
    }
  });

  test('refuses schema names that are not plain identifiers', () => {
    for (const bad of ['Public', 'a;drop', '', '1abc', 'x'.repeat(64)]) {
      assert.throws(
        () =>
          createPool({
            connectionString: database.url,
            schema: bad,
            applicationName: 't',
            poolSizeMax: 1,
            statementTimeoutMs: 1000,
          }),
        { code: DatabaseErrorCode.invalidSchemaName },
      );
    }
  });
});

describe('prepared statements', () => {
  test('a parameterised text becomes a named statement on its third use; other forms stay as they are', async () => {
    const preparedPool = singleConnectionPool('db-test-prepared', 5_000);
    try {
      const text = 'SELECT $1::int + 1 AS next, $2::text AS label /* prepared-statements test */';
      const prepared = async (): Promise<string[]> => {
        const result = await preparedPool.query<{ statement: string }>(
          "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%prepared-statements test%' AND statement NOT LIKE '%pg_prepared_statements%'",
        );
        return result.rows.map((row) => row.statement);
      };
      for (let use = 1; use <= 2; use += 1) {
        assert.deepEqual((await preparedPool.query(text, [use, 'a'])).rows, [{ next: use + 1, label: 'a' }]);
        assert.deepEqual(await prepared(), [], `not prepared after use ${use}`);
      }
      assert.deepEqual((await preparedPool.query({ text, values: [3, 'b'] })).rows, [{ next: 4, label: 'b' }]);
      assert.deepEqual(await prepared(), [text]);
      // Later uses reuse the statement in every form, with their own values and row modes.
      assert.deepEqual((await preparedPool.query(text, [10, 'c'])).rows, [{ next: 11, label: 'c' }]);
      const arrays = await preparedPool.query({ text, values: [20, 'd'], rowMode: 'array' });
      assert.deepEqual(arrays.rows, [[21, 'd']]);
      const viaCallback = await new Promise((resolve, reject) => {
        preparedPool.query(text, [30, 'e'], (error, result) => (error ? reject(error) : resolve(result.rows)));
      });
      assert.deepEqual(viaCallback, [{ next: 31, label: 'e' }]);
      assert.deepEqual(await prepared(), [text]);
      // Texts without parameters keep the simple protocol (several statements in one text work).
      await preparedPool.query('SELECT 1; SELECT 2');
    } finally {
      await preparedPool.end();
    }
  });

  test('StatementNames names each text once and stops naming at its limit', () => {
    const names = new StatementNames();
    const textAt = (index: number): string => `SELECT ${index} WHERE $1::int IS NOT NULL`;
    assert.equal(names.nameFor(textAt(0)), undefined);
    assert.equal(names.nameFor(textAt(0)), undefined);
    const name = names.nameFor(textAt(0));
    assert.ok(name !== undefined);
    assert.equal(names.nameFor(textAt(0)), name);
    for (let index = 1; names.namedCount < databaseLimits.PREPARED_STATEMENT_TEXT_COUNT_MAX; index += 1) {
      for (let use = 0; use < databaseLimits.PREPARE_AFTER_USE_COUNT; use += 1) names.nameFor(textAt(index));
    }
    const beyond = textAt(1_000_000);
    for (let use = 0; use < databaseLimits.PREPARE_AFTER_USE_COUNT + 2; use += 1) {
      assert.equal(names.nameFor(beyond), undefined);
    }
    assert.equal(names.namedCount, databaseLimits.PREPARED_STATEMENT_TEXT_COUNT_MAX);
    assert.equal(names.nameFor(textAt(0)), name);
  });
});

describe('runMigrations', () => {
  test('applies files once in order, records checksums, and is a no-op the second time', async () => {
    const migrationSchema = await database.createSchema('migr');
    const directory = await migrationFolder({
      '002_add_column.sql': 'ALTER TABLE things ADD COLUMN label text;',
      '001_create_things.sql': 'CREATE TABLE things (id bigint PRIMARY KEY);',
    });
    try {
      // Two replicas starting together: the advisory lock makes one apply and the other skip.
      const reports = await Promise.all([
        runMigrations(pool, { schema: migrationSchema, directory }),
        runMigrations(pool, { schema: migrationSchema, directory }),
      ]);
      const appliedTotal = reports.flatMap((report) => report.appliedVersions).sort();
      assert.deepEqual(appliedTotal, [1, 2]);
      const again = await runMigrations(pool, { schema: migrationSchema, directory });
      assert.deepEqual(again, { appliedVersions: [], alreadyAppliedCount: 2 });
      const recorded = await pool.query(
        `SELECT version, checksum FROM ${migrationSchema}.schema_migrations ORDER BY version`,
      );
      assert.equal(recorded.rows.length, 2);
      assert.match(recorded.rows[0].checksum, /^[0-9a-f]{64}$/);
      await pool.query(`INSERT INTO ${migrationSchema}.things (id, label) VALUES (1, 'x')`);
    } finally {
      await rm(directory, { recursive: true });
    }
  });

  test('stops start-up when an applied file changed', async () => {
    const migrationSchema = await database.createSchema('migr');
    const directory = await migrationFolder({ '001_create.sql': 'CREATE TABLE t (id int);' });
    try {
      await runMigrations(pool, { schema: migrationSchema, directory });
      await writeFile(join(directory, '001_create.sql'), 'CREATE TABLE t (id bigint);');
      await assert.rejects(runMigrations(pool, { schema: migrationSchema, directory }), {
        code: DatabaseErrorCode.migrationChecksumMismatch,
      });
    } finally {
      await rm(directory, { recursive: true });
    }
  });

  test('rolls back a failing migration and refuses badly named files', async () => {
    const migrationSchema = await database.createSchema('migr');
    const failing = await migrationFolder({
      '001_ok.sql': 'CREATE TABLE a (id int);',
      '002_bad.sql': 'CREATE TABLE b (id int); SELECT 1/0;',
    });
    const badName = await migrationFolder({ '1_short.sql': 'SELECT 1;' });
    try {
      await assert.rejects(runMigrations(pool, { schema: migrationSchema, directory: failing }), {
        code: DatabaseErrorCode.migrationFailed,
      });
      const tables = await pool.query(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [migrationSchema],
      );
      assert.deepEqual(
        tables.rows.map((row) => row.table_name),
        ['a', 'schema_migrations'],
      );
      await assert.rejects(runMigrations(pool, { schema: migrationSchema, directory: badName }), {
        code: DatabaseErrorCode.migrationFileInvalid,
      });
    } finally {
      await rm(failing, { recursive: true });
      await rm(badName, { recursive: true });
    }
  });
});

describe('withTransaction', () => {
  before(async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS ledger_rows (id serial PRIMARY KEY, note text)');
  });

  test('commits on success and rolls back on error', async () => {
    await withTransaction(pool, (client) => client.query("INSERT INTO ledger_rows (note) VALUES ('kept')"));
    await assert.rejects(
      withTransaction(pool, async (client) => {
        await client.query("INSERT INTO ledger_rows (note) VALUES ('discarded')");
        throw new Error('business failure');
      }),
      /business failure/,
    );
    const notes = await pool.query('SELECT note FROM ledger_rows ORDER BY id');
    assert.deepEqual(
      notes.rows.map((row) => row.note),
      ['kept'],
    );
  });

  test('afterCommit callbacks run once the transaction committed, never after a rollback', async () => {
    const seen: string[] = [];
    let visibleAtCallback: number | undefined;
    await withTransaction(pool, async (client) => {
      await client.query("INSERT INTO ledger_rows (note) VALUES ('announced')");
      assert.equal(
        afterCommit(client, () => {
          seen.push('committed');
          // A second connection sees the row: the callback runs after COMMIT, not before.
          void pool.query("SELECT count(*)::int AS n FROM ledger_rows WHERE note = 'announced'").then((result) => {
            visibleAtCallback = result.rows[0].n;
          });
        }),
        true,
      );
      seen.push('work done');
    });
    await assert.rejects(
      withTransaction(pool, async (client) => {
        afterCommit(client, () => seen.push('rolled back'));
        throw new Error('business failure');
      }),
      /business failure/,
    );
    await sleep(50);
    assert.deepEqual(seen, ['work done', 'committed']);
    assert.equal(visibleAtCallback, 1);
    assert.equal(
      afterCommit(pool, () => seen.push('no transaction')),
      false,
    );
  });

  test('retries serialization failures and gives up after the attempt limit', async () => {
    let attempts = 0;
    const result = await withTransaction(pool, async () => {
      attempts++;
      if (attempts < 3) throw Object.assign(new Error('conflict'), { code: SqlState.serializationFailure });
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(attempts, 3);
    let exhaustedAttempts = 0;
    await assert.rejects(
      withTransaction(
        pool,
        async () => {
          exhaustedAttempts++;
          throw Object.assign(new Error('deadlock'), { code: SqlState.deadlockDetected });
        },
        { attemptCountMax: 2 },
      ),
      (error: unknown) =>
        error instanceof DatabaseError && error.code === DatabaseErrorCode.transactionRetriesExhausted,
    );
    assert.equal(exhaustedAttempts, 2);
  });

  test('does not retry other errors', async () => {
    let attempts = 0;
    await assert.rejects(
      withTransaction(pool, async (client) => {
        attempts++;
        await client.query('SELECT 1/0');
      }),
      { code: '22012' },
    );
    assert.equal(attempts, 1);
  });

  test('a real serialization conflict is retried to success', async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS counters (id int PRIMARY KEY, value int)');
    await pool.query('INSERT INTO counters VALUES (1, 0) ON CONFLICT DO NOTHING');
    const increment = () =>
      withTransaction(
        pool,
        async (client) => {
          const current = await client.query('SELECT value FROM counters WHERE id = 1');
          await sleep(20);
          await client.query('UPDATE counters SET value = $1 WHERE id = 1', [current.rows[0].value + 1]);
        },
        { isolation: 'SERIALIZABLE' },
      );
    await Promise.all([increment(), increment(), increment()]);
    const final = await pool.query('SELECT value FROM counters WHERE id = 1');
    assert.equal(final.rows[0].value, 3);
  });
});

describe('AdvisoryLease', () => {
  test('only one holder at a time; release lets the next one in', async () => {
    const first = new AdvisoryLease({ pool, name: `lease-${schema}` });
    const second = new AdvisoryLease({ pool, name: `lease-${schema}` });
    assert.equal(await first.tryAcquire(), true);
    assert.equal(await second.tryAcquire(), false);
    assert.equal(second.isHeld, false);
    await first.client.query('LISTEN some_channel');
    await first.release();
    assert.equal(first.signal.aborted, true);
    // The connection went back to the pool without the LISTEN of its holder.
    const listening = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const client = await pool.connect();
        try {
          return (await client.query('SELECT count(*)::int AS n FROM pg_listening_channels()')).rows[0].n as number;
        } finally {
          client.release();
        }
      }),
    );
    assert.deepEqual(listening, Array(8).fill(0));
    assert.equal(await second.tryAcquire(), true);
    await second.release();
  });

  test('a holder whose connection dies loses the lease and another replica takes over', async () => {
    const name = `lease-loss-${schema}`;
    const holder = new AdvisoryLease({ pool, name });
    assert.equal(await holder.tryAcquire(), true);
    const holderPid = (await holder.client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await pool.query('SELECT pg_terminate_backend($1)', [holderPid]);
    // The client may notice the terminated session before or after pg_terminate_backend returns.
    if (!holder.signal.aborted) {
      await new Promise<void>((resolve) => holder.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    assert.equal(holder.isHeld, false);
    // The server ends the killed session a moment after the client notices, so a successor
    // retries the way withAdvisoryLease does.
    const successor = new AdvisoryLease({ pool, name });
    let acquired = false;
    for (let attempt = 0; attempt < 50 && !acquired; attempt++) {
      acquired = await successor.tryAcquire();
      if (!acquired) await sleep(20);
    }
    assert.equal(acquired, true);
    await successor.release();
  });

  test('withAdvisoryLease runs the job on one replica only and stops at shutdown', async () => {
    const shutdown = new AbortController();
    let running = 0;
    let runningMax = 0;
    const job = async (_lease: AdvisoryLease, signal: AbortSignal) => {
      running++;
      runningMax = Math.max(runningMax, running);
      await sleep(150, undefined, { signal }).catch(() => undefined);
      running--;
    };
    const options = { signal: shutdown.signal, reacquireIntervalMs: 10 };
    const replicas = [
      withAdvisoryLease(pool, `job-${schema}`, job, options),
      withAdvisoryLease(pool, `job-${schema}`, job, options),
    ];
    await sleep(400);
    shutdown.abort();
    await Promise.all(replicas);
    assert.equal(runningMax, 1);
    assert.equal(running, 0);
  });
});

describe('toDatabaseError', () => {
  test('keeps the SQLSTATE and cause, and passes DatabaseErrors through unchanged', async () => {
    const failure = await pool.query('SELECT 1/0').catch((error: unknown) => error);
    const wrapped = toDatabaseError(failure, 'load ledger balance');
    assert.equal(wrapped.code, DatabaseErrorCode.queryFailed);
    assert.equal(wrapped.sqlState, '22012');
    assert.equal(wrapped.message, 'load ledger balance');
    assert.equal(wrapped.cause, failure);
    assert.equal(toDatabaseError(wrapped, 'outer'), wrapped);
    assert.equal(toDatabaseError(new Error('not pg'), 'x').sqlState, undefined);
  });
});

describe('pingDatabase', () => {
  test('succeeds against a live database and fails with a code against a dead one', async () => {
    await pingDatabase(pool);
    const dead = createPool({
      connectionString: 'postgres://postgres@127.0.0.1:1/postgres',
      schema,
      applicationName: 'db-test-dead',
      poolSizeMax: 1,
      statementTimeoutMs: 1000,
    });
    try {
      await assert.rejects(pingDatabase(dead), { code: DatabaseErrorCode.pingFailed });
    } finally {
      await dead.end();
    }
  });
});
