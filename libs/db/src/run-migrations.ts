import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '@acq/assert';
import type pg from 'pg';
import { quoteIdentifier } from './create-pool.ts';
import { DatabaseError, DatabaseErrorCode } from './errors.ts';
import { MIGRATION_FILE_COUNT_MAX } from './limits.ts';
import { advisoryKey } from './advisory-key.ts';
import { withTransaction } from './with-transaction.ts';

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface RunMigrationsOptions {
  schema: string;
  /** Folder of forward-only `NNN_name.sql` files. */
  directory: string;
}

export interface MigrationReport {
  appliedVersions: number[];
  alreadyAppliedCount: number;
}

const MIGRATION_FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/**
 * Applies each not-yet-applied migration once, in version order, each in its own transaction.
 * Replicas starting together serialize on a transaction-scoped advisory lock per schema, and an
 * applied file whose content changed stops start-up: history is forward-only.
 */
export async function runMigrations(pool: pg.Pool, options: RunMigrationsOptions): Promise<MigrationReport> {
  const files = await readMigrationFiles(options.directory);
  const schema = quoteIdentifier(options.schema);
  const lockKey = advisoryKey(`migrations:${options.schema}`);
  const appliedVersions: number[] = [];
  let alreadyAppliedCount = 0;
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
  });
  for (const file of files) {
    const applied = await withTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey]);
      // The lock serializes replicas, so this read cannot race with another replica's apply.
      const existing = await client.query<{ checksum: string }>(
        `SELECT checksum FROM ${schema}.schema_migrations WHERE version = $1`,
        [file.version],
      );
      const row = existing.rows[0];
      if (row !== undefined) {
        assertChecksumUnchanged(file, row.checksum);
        return false;
      }
      await client.query(`SET LOCAL search_path TO ${schema}`);
      await applyMigration(client, file);
      await client.query(`INSERT INTO ${schema}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
        file.version,
        file.name,
        file.checksum,
      ]);
      return true;
    });
    if (applied) appliedVersions.push(file.version);
    else alreadyAppliedCount++;
  }
  assert(appliedVersions.length + alreadyAppliedCount === files.length, 'every migration file is accounted for');
  return { appliedVersions, alreadyAppliedCount };
}

async function applyMigration(client: pg.PoolClient, file: MigrationFile): Promise<void> {
  try {
    await client.query(file.sql);
  } catch (error) {
    throw new DatabaseError(DatabaseErrorCode.migrationFailed, `migration ${file.version}_${file.name} failed`, {
      cause: error,
    });
  }
}

function assertChecksumUnchanged(file: MigrationFile, appliedChecksum: string): void {
  if (appliedChecksum === file.checksum) return;
  throw new DatabaseError(
    DatabaseErrorCode.migrationChecksumMismatch,
    `migration ${file.version}_${file.name} changed after it was applied; add a new migration instead`,
  );
}

/** Reads and validates the migration folder: names, unique consecutive-or-increasing versions, size bound. */
export async function readMigrationFiles(directory: string): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  if (names.length > MIGRATION_FILE_COUNT_MAX) {
    throw new DatabaseError(DatabaseErrorCode.migrationFileInvalid, `more than ${MIGRATION_FILE_COUNT_MAX} migrations`);
  }
  const files: MigrationFile[] = [];
  for (const fileName of names) {
    const match = MIGRATION_FILE_PATTERN.exec(fileName);
    if (match === null) {
      throw new DatabaseError(
        DatabaseErrorCode.migrationFileInvalid,
        `migration file name must be NNN_name.sql: ${fileName}`,
      );
    }
    const version = Number(match[1]);
    const previous = files.at(-1);
    if (version === 0 || (previous !== undefined && previous.version === version)) {
      throw new DatabaseError(
        DatabaseErrorCode.migrationFileInvalid,
        `duplicate or zero migration version: ${fileName}`,
      );
    }
    const sql = await readFile(join(directory, fileName), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    files.push({ version, name: String(match[2]), sql, checksum });
  }
  return files;
}
