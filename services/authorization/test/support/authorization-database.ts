/**
 * A real Postgres schema for one test file: the service's migrations (and the connector's SAF
 * table), the bus outbox tables, and a TransactionStore writing events through @acq/bus.
 */
import { fileURLToPath } from 'node:url';
import { ensureBusTables, writeOutboxEvents } from '@acq/bus';
import { runMigrations } from '@acq/db';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import type { GroupCommitLimits } from '../../src/store/group-commit.ts';
import { type OutboxWriter, TransactionStore } from '../../src/store/transaction-store.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../migrations/', import.meta.url));

export const TEST_GROUP_COMMIT_LIMITS: GroupCommitLimits = {
  windowMs: 2,
  rowsMax: 256,
  queueRowsMax: 20_000,
  concurrentBatchesMax: 4,
};

export const writeOutbox: OutboxWriter = async (client, events) => {
  await writeOutboxEvents(client, events);
};

export interface AuthorizationDatabase {
  readonly database: TestDatabase;
  readonly schema: string;
  readonly pool: pg.Pool;
  readonly store: TransactionStore;
  close(): Promise<void>;
}

export async function authorizationDatabase(
  limits: GroupCommitLimits = TEST_GROUP_COMMIT_LIMITS,
): Promise<AuthorizationDatabase> {
  const database = await testDatabase();
  const schema = await database.createSchema('authz_test');
  const pool = database.createPool(schema, { poolSizeMax: 8 });
  await runMigrations(pool, { schema, directory: MIGRATIONS_DIRECTORY });
  await ensureBusTables(pool, schema);
  const store = new TransactionStore(pool, writeOutbox, limits);
  return {
    database,
    schema,
    pool,
    store,
    async close() {
      await store.close();
      await database.close();
    },
  };
}

export async function outboxEventTypes(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ event_type: string }>('SELECT event_type FROM outbox ORDER BY position');
  return result.rows.map((row) => row.event_type.replace('acquirer.authorization.v1.', ''));
}
