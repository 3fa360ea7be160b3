import { randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';
import { createPool, quoteIdentifier } from '@acq/db';
import type pg from 'pg';
import { useContainers } from './docker-engine.ts';
import { TEST_POOL_SIZE_MAX, TEST_STATEMENT_TIMEOUT_MS } from './limits.ts';

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const POSTGRES_IMAGE = 'postgres:17-alpine';

export interface TestDatabase {
  url: string;
  /** Creates a uniquely named schema (`<prefix>_<random>`) so test files can run in parallel. */
  createSchema(prefix: string): Promise<string>;
  dropSchema(schema: string): Promise<void>;
  /** A pool bound to `schema` exactly as services build theirs; closed by `close()`. */
  createPool(schema: string, options?: { poolSizeMax?: number; applicationName?: string }): pg.Pool;
  /** Drops the schemas this handle created and closes its pools. */
  close(): Promise<void>;
}

let containerUrlOnce: Promise<string> | undefined;

async function resolveDatabaseUrl(): Promise<string> {
  if (!(await useContainers())) return process.env.DATABASE_URL ?? LOCAL_DATABASE_URL;
  containerUrlOnce ??= (async () => {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    // One container per test process; Testcontainers' reaper removes it when the process exits.
    const container = await new PostgreSqlContainer(POSTGRES_IMAGE).start();
    return container.getConnectionUri();
  })();
  return containerUrlOnce;
}

export async function testDatabase(): Promise<TestDatabase> {
  const url = await resolveDatabaseUrl();
  const admin = createPool({
    connectionString: url,
    schema: 'public',
    applicationName: 'testkit-admin',
    poolSizeMax: 2,
    statementTimeoutMs: TEST_STATEMENT_TIMEOUT_MS,
  });
  const pools: pg.Pool[] = [admin];
  const createdSchemas = new Set<string>();
  return {
    url,
    async createSchema(prefix) {
      const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
      await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
      createdSchemas.add(schema);
      return schema;
    },
    async dropSchema(schema) {
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      createdSchemas.delete(schema);
    },
    createPool(schema, options = {}) {
      const poolSizeMax = options.poolSizeMax ?? TEST_POOL_SIZE_MAX;
      assert(poolSizeMax >= 1, 'poolSizeMax must be positive');
      const pool = createPool({
        connectionString: url,
        schema,
        applicationName: options.applicationName ?? `test-${schema}`,
        poolSizeMax,
        statementTimeoutMs: TEST_STATEMENT_TIMEOUT_MS,
      });
      pools.push(pool);
      return pool;
    },
    async close() {
      for (const schema of [...createdSchemas]) {
        await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      }
      createdSchemas.clear();
      await Promise.all(pools.reverse().map((pool) => pool.end()));
    },
  };
}
