/** Stable codes for thrown database errors; callers branch on `code`, never on message text. */
export const DatabaseErrorCode = {
  invalidSchemaName: 'DB_INVALID_SCHEMA_NAME',
  migrationChecksumMismatch: 'DB_MIGRATION_CHECKSUM_MISMATCH',
  migrationFileInvalid: 'DB_MIGRATION_FILE_INVALID',
  migrationFailed: 'DB_MIGRATION_FAILED',
  transactionRetriesExhausted: 'DB_TRANSACTION_RETRIES_EXHAUSTED',
  queryFailed: 'DB_QUERY_FAILED',
  pingFailed: 'DB_PING_FAILED',
} as const;
export type DatabaseErrorCode = (typeof DatabaseErrorCode)[keyof typeof DatabaseErrorCode];

/** Postgres SQLSTATE values we react to (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  uniqueViolation: '23505',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
} as const;

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  readonly code: DatabaseErrorCode;
  /** SQLSTATE of the underlying Postgres error when there is one. */
  readonly sqlState: string | undefined;

  constructor(code: DatabaseErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.sqlState = sqlStateOf(options.cause);
  }
}

/** Reads the SQLSTATE of a pg error without trusting its shape. */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isRetryableTransactionError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === SqlState.serializationFailure || state === SqlState.deadlockDetected;
}

/**
 * Wraps a driver error with a stable code and a log-safe context message. pg error messages never
 * contain bound parameter values, so keeping the original as `cause` leaks no card data.
 */
export function toDatabaseError(error: unknown, context: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  return new DatabaseError(DatabaseErrorCode.queryFailed, context, { cause: error });
}
