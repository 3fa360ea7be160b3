import { assert } from '@acq/assert';
import pg from 'pg';
import { DatabaseError, DatabaseErrorCode } from './errors.ts';
import { describeError, type Logger, stderrLogger } from './logger.ts';
import { PreparingClient } from './prepared-statements.ts';
import {
  CONNECTION_TIMEOUT_MS,
  IDLE_CONNECTION_TIMEOUT_MS,
  IDLE_IN_TRANSACTION_TIMEOUT_MS,
  POOL_SIZE_MAX,
  STATEMENT_TIMEOUT_MS_MAX,
} from './limits.ts';

export interface CreatePoolOptions {
  connectionString: string;
  /** Per-service schema; every connection gets `search_path = <schema>`. */
  schema: string;
  applicationName: string;
  poolSizeMax: number;
  statementTimeoutMs: number;
  logger?: Logger;
}

const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_TYPE_INT8 = 20;
const PG_TYPE_INT8_ARRAY = 1016;

/** Schema names end up in SQL text (search_path, DDL), so only plain identifiers are accepted. */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME_PATTERN.test(schema)) {
    throw new DatabaseError(DatabaseErrorCode.invalidSchemaName, `invalid schema name: ${JSON.stringify(schema)}`);
  }
}

export function quoteIdentifier(identifier: string): string {
  assertSchemaName(identifier);
  return `"${identifier}"`;
}

const parseInt8 = (text: string): bigint => BigInt(text);
// pg's TypeId union omits array OIDs, hence the widened signature.
const getBuiltinParser = pg.types.getTypeParser as (oid: number, format: 'text') => (text: string) => unknown;
const parseInt8Array = getBuiltinParser(PG_TYPE_INT8_ARRAY, 'text');

/**
 * int8 becomes bigint (money is fen in BIGINT columns) while numeric keeps pg's default string.
 * The parsers are per pool, not the process-global pg.types, so other code is not surprised.
 */
const typeOverrides: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === PG_TYPE_INT8) return parseInt8;
    if (oid === PG_TYPE_INT8_ARRAY) return (text: string) => (parseInt8Array(text) as string[]).map(BigInt);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export function createPool(options: CreatePoolOptions): pg.Pool {
  assertSchemaName(options.schema);
  assert(options.poolSizeMax >= 1 && options.poolSizeMax <= POOL_SIZE_MAX, 'poolSizeMax out of range');
  assert(
    options.statementTimeoutMs >= 1 && options.statementTimeoutMs <= STATEMENT_TIMEOUT_MS_MAX,
    'statementTimeoutMs out of range',
  );
  const logger = options.logger ?? stderrLogger;
  // Session settings travel in the startup packet, so a fresh connection needs no extra round trip.
  const sessionOptions = [
    `-c search_path=${options.schema}`,
    `-c statement_timeout=${options.statementTimeoutMs}`,
    `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
  ].join(' ');
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    application_name: options.applicationName,
    max: options.poolSizeMax,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_CONNECTION_TIMEOUT_MS,
    options: sessionOptions,
    types: typeOverrides,
    Client: PreparingClient,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (error) => {
    logger.error({ schema: options.schema, ...describeError(error) }, 'idle database connection failed');
  });
  return pool;
}
