/** Bounds for the database helpers; services may pass lower values, never higher ones. */
export const POOL_SIZE_MAX = 50;
export const STATEMENT_TIMEOUT_MS_MAX = 60_000;
/** Connection attempts fail fast so a dead database shows up in readiness, not as hung requests. */
export const CONNECTION_TIMEOUT_MS = 5_000;
export const IDLE_CONNECTION_TIMEOUT_MS = 30_000;
/** A transaction left open by a bug must not hold locks forever. */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/** Serialization failures and deadlocks are retried this many times in total (first try included). */
export const TRANSACTION_ATTEMPT_COUNT_MAX = 5;
export const TRANSACTION_RETRY_BACKOFF_MS_BASE = 5;
export const TRANSACTION_RETRY_BACKOFF_MS_MAX = 200;
/** How often a lease holder re-checks its connection, and how long it waits before re-acquiring. */
export const LEASE_HEARTBEAT_INTERVAL_MS = 2_000;
export const LEASE_REACQUIRE_INTERVAL_MS = 1_000;
export const PING_TIMEOUT_MS = 2_000;
export const MIGRATION_FILE_COUNT_MAX = 999;
/** A parameterised statement text becomes a named prepared statement on this many uses (see StatementNames). */
export const PREPARE_AFTER_USE_COUNT = 3;
/** Statement texts named per process; each connection prepares at most this many. */
export const PREPARED_STATEMENT_TEXT_COUNT_MAX = 256;
