/**
 * A throw-away schema holding only the connector's migrations (5NN), for tests that need the SAF
 * table without the rest of the authorization schema.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';

const MIGRATIONS_DIRECTORY = join(import.meta.dirname, '../../../../migrations');
const UPSTREAM_MIGRATION_PATTERN = /^5[0-9]{2}_[a-z0-9_]+\.sql$/;

export interface SafDatabase {
  database: TestDatabase;
  schema: string;
  sql: pg.Pool;
}

export async function createSafDatabase(): Promise<SafDatabase> {
  const database = await testDatabase();
  const schema = await database.createSchema('upstream_saf');
  const sql = database.createPool(schema, { poolSizeMax: 8 });
  const files = (await readdir(MIGRATIONS_DIRECTORY)).filter((name) => UPSTREAM_MIGRATION_PATTERN.test(name)).sort();
  for (const file of files) await sql.query(await readFile(join(MIGRATIONS_DIRECTORY, file), 'utf8'));
  return { database, schema, sql };
}

export interface SafRow {
  txn_id: string;
  item_kind: string;
  reason: string;
  state: string;
  attempt_count: number;
  last_response_code: string | null;
  late_approval_seen: boolean;
  amount_fen: bigint;
  payload: Record<string, unknown>;
}

export async function safRows(sql: pg.Pool): Promise<SafRow[]> {
  const result = await sql.query<SafRow>('SELECT * FROM upstream_saf_items ORDER BY saf_item_id');
  return result.rows;
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  condition: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
