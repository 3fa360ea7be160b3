/**
 * Every bound of the authorization service, with its unit. Configuration may lower a limit, never
 * raise it (config.ts asserts that). The order of the time budgets is checked at startup:
 * upstream timeout < transaction budget < terminal timeout.
 */
import { assert } from '@acq/assert';

/** A CUP POS terminal waits this long for an answer before it sends a reversal. */
export const TERMINAL_TIMEOUT_MS = 60_000;
/** The whole pipeline must finish inside this budget, well below the terminal's patience. */
export const TRANSACTION_BUDGET_MS_MAX = 45_000;
/** The network answers within this time or the transaction is answered 98 and reversed. */
export const UPSTREAM_TIMEOUT_MS_MAX = 30_000;
/** Any participant other than the upstream call gets at most this long. */
export const STEP_TIMEOUT_MS_MAX = 5_000;
/** Risk answers inside this budget or the fail policy applies (decline 96 unless fail-open). */
export const RISK_TIMEOUT_MS_MAX = 50;
/** Loop detection: a pipeline listing more participants than this is a bug. */
export const PIPELINE_STEP_COUNT_MAX = 24;

/** Group commit: rows collected for at most this long before one multi-row write. */
export const GROUP_COMMIT_WINDOW_MS_MAX = 2;
/** Group commit: a batch is written as soon as it holds this many rows. */
export const GROUP_COMMIT_ROWS_MAX = 512;
/** Group commit: writes waiting beyond this are refused (back-pressure, answered 96). */
export const GROUP_COMMIT_QUEUE_ROWS_MAX = 20_000;
/** Group commit: batches in flight at once (each holds one pool connection). */
export const GROUP_COMMIT_CONCURRENT_BATCHES_MAX = 4;

/** Postgres pool and statement bounds. */
/** Intents and outcomes may each hold GROUP_COMMIT_CONCURRENT_BATCHES_MAX connections; the rest serve lookups. */
export const DATABASE_POOL_SIZE_MAX = 16;
export const DATABASE_STATEMENT_TIMEOUT_MS_MAX = 5_000;

/** Terminal context cache (invalidated by merchant.events, and expired as a safety net). */
export const TERMINAL_CONTEXT_CACHE_ENTRIES_MAX = 200_000;
export const TERMINAL_CONTEXT_CACHE_TTL_MS_MAX = 300_000;
export const MERCHANT_CALL_TIMEOUT_MS_MAX = 200;

/** Requests in flight on one Authorize stream before the service stops reading from it. */
export const STREAM_IN_FLIGHT_REQUESTS_MAX = 4_096;

/** Pending intents older than this at startup are treated as interrupted and reversed upstream. */
export const RECOVERY_PENDING_AGE_MS_MIN = TRANSACTION_BUDGET_MS_MAX;
export const RECOVERY_BATCH_ROWS_MAX = 500;
export const RECOVERY_INTERVAL_MS = 30_000;

/** Risk client: streams to risk, answers awaited across them, reconnect backoff, Release deadline. */
export const RISK_STREAM_COUNT = 2;
export const RISK_IN_FLIGHT_REQUESTS_MAX = 8_192;
export const RISK_RECONNECT_DELAY_MS_MIN = 100;
export const RISK_RECONNECT_DELAY_MS_MAX = 5_000;
export const RISK_RELEASE_TIMEOUT_MS = 1_000;
/**
 * Confirms and releases share one SettleReservations call: collected for the window (nobody waits
 * on them; a pending reservation stays valid for minutes), so even at low rates one call carries
 * several; risk accepts at most 1,000 a call.
 */
export const RISK_SETTLEMENT_WINDOW_MS = 20;
export const RISK_SETTLEMENT_BATCH_SIZE_MAX = 500;
export const RISK_SETTLEMENT_QUEUE_SIZE_MAX = 8_192;
export const RISK_SETTLEMENT_CALLS_IN_FLIGHT_MAX = 4;

/** merchant.events consumer for cache invalidation. */
export const MERCHANT_EVENTS_RETRY_COUNT_MAX = 5;
/** Outbox relay of authorization.events. */
export const OUTBOX_RELAY_BATCH_SIZE_MAX = 500;
export const OUTBOX_RELAY_POLL_INTERVAL_MS = 200;
/**
 * The relay waits this long after a wake-up, so one append to the event log carries the outcomes of
 * that time instead of one or two (consumers are off the terminal's answer path).
 */
export const OUTBOX_RELAY_LINGER_MS = 20;
/** Upstream connector: TCP links to the network. */
export const UPSTREAM_CONNECTION_COUNT = 4;

/** Completion may exceed its pre-authorization by at most this percentage (CUP: 115%). */
export const COMPLETION_PERCENT_OF_PREAUTH_MAX = 115n;
/** Contactless no-PIN small-amount limit: 1,000 CNY. */
export const CONTACTLESS_NO_PIN_LIMIT_FEN_MAX = 100_000n;

/** Field sizes from the CUP POS specification. */
export const ICC_DATA_BYTES_MAX = 255;
export const SCAN_CODE_LENGTH_MAX = 128;

assert(UPSTREAM_TIMEOUT_MS_MAX < TRANSACTION_BUDGET_MS_MAX, 'upstream timeout must fit in the budget');
assert(TRANSACTION_BUDGET_MS_MAX < TERMINAL_TIMEOUT_MS, 'the budget must end before the terminal gives up');
assert(STEP_TIMEOUT_MS_MAX < TRANSACTION_BUDGET_MS_MAX, 'a step cannot outlast the transaction');
assert(2 * GROUP_COMMIT_CONCURRENT_BATCHES_MAX < DATABASE_POOL_SIZE_MAX, 'group commit leaves connections for lookups');
assert(COMPLETION_PERCENT_OF_PREAUTH_MAX >= 100n, 'completion limit is at least the pre-auth amount');
