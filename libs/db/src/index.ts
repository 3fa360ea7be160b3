export { AdvisoryLease, type LeasedJobOptions, withAdvisoryLease } from './advisory-lease.ts';
export { advisoryKey } from './advisory-key.ts';
export { assertSchemaName, type CreatePoolOptions, createPool, quoteIdentifier } from './create-pool.ts';
export {
  DatabaseError,
  DatabaseErrorCode,
  isRetryableTransactionError,
  SqlState,
  sqlStateOf,
  toDatabaseError,
} from './errors.ts';
export * as databaseLimits from './limits.ts';
export { describeError, type Logger, stderrLogger } from './logger.ts';
export { pingDatabase } from './ping-database.ts';
export { PreparingClient, StatementNames } from './prepared-statements.ts';
export {
  type MigrationFile,
  type MigrationReport,
  type RunMigrationsOptions,
  readMigrationFiles,
  runMigrations,
} from './run-migrations.ts';
export {
  afterCommit,
  IsolationLevel,
  type TransactionOptions,
  retryBackoffMs,
  retryOnConflict,
  withTransaction,
} from './with-transaction.ts';
