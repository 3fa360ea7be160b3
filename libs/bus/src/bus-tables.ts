import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { advisoryKey, quoteIdentifier, runMigrations, withTransaction } from '@acq/db';
import type pg from 'pg';

/** The outbox / inbox / dead-letter DDL, for services that prefer to copy it into their migrations. */
export const SERVICE_TABLES_SQL_PATH = fileURLToPath(new URL('../sql/service-tables.sql', import.meta.url));
const POSTGRES_LOG_MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../sql/postgres-log/', import.meta.url));
export const DEFAULT_BUS_SCHEMA = 'bus';

/**
 * Creates the outbox, inbox and dead-letter tables in a service schema if missing. Idempotent and
 * serialized by an advisory lock, so every replica may call it at start-up.
 */
export async function ensureBusTables(pool: pg.Pool, schema: string): Promise<void> {
  const quotedSchema = quoteIdentifier(schema);
  const sql = await readFile(SERVICE_TABLES_SQL_PATH, 'utf8');
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [advisoryKey(`bus-tables:${schema}`)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`);
    await client.query(`SET LOCAL search_path TO ${quotedSchema}`);
    await client.query(sql);
  });
}

/** Creates or upgrades the shared Postgres event log schema (forward-only migrations). */
export async function ensurePostgresLog(pool: pg.Pool, busSchema: string = DEFAULT_BUS_SCHEMA): Promise<void> {
  await runMigrations(pool, { schema: busSchema, directory: POSTGRES_LOG_MIGRATIONS_DIRECTORY });
}
