/**
 * Every bound of the settlement service, with its unit. Configuration may lower a limit, never raise it
 * (config.ts enforces that). The relationships between them are asserted at the bottom so a bad edit
 * fails at startup instead of in production.
 */
import { assert } from '@acq/assert';
import { busLimits } from '@acq/bus';

/** Number of sub-accounts each system account (fee income, network receivable, bank cash) is split into. */
export const SYSTEM_ACCOUNT_SHARD_COUNT = 16;
/** Authorization events applied in one SQL transaction by the consumer (one bus consumer batch). */
export const EVENT_BATCH_SIZE_MAX = 500;
/**
 * Postgres-log partitions (of 8) one replica applies at once, each batch in its own transaction.
 * Batches of different partitions meet on the shared system-account shards, so more workers mostly wait.
 */
export const CONSUMER_PARTITION_WORKER_COUNT = 4;
/**
 * Without a backlog the authorization-events consumer waits this long before a round, so one round
 * (claim, read, inbox, ledger call, commit) applies the events of that time instead of one or two.
 * Settlement is off the terminal's answer path; 50 ms is nothing next to T0's seconds.
 */
export const CONSUMER_BATCH_LINGER_MS = 50;
/** Transfers accepted by one ledger call. */
export const LEDGER_TRANSFERS_PER_CALL_MAX = 4_000;
/** pg pool size. */
export const DATABASE_POOL_SIZE_MAX = 24;
/** pg statement_timeout for every statement. */
export const DATABASE_STATEMENT_TIMEOUT_MS = 5_000;

/** One HTTP call to the bank rails (submit, query, debit). */
export const BANK_REQUEST_TIMEOUT_MS = 3_000;
/** Submissions of one T0 payout before it falls back to T1 (a definite bank failure counts). */
export const T0_PAYOUT_ATTEMPT_COUNT_MAX = 3;
/** Status queries of one submitted payout whose result is unknown before the attempt is declared failed. */
export const PAYOUT_QUERY_COUNT_MAX = 5;
/** Wait before the first retry or query; doubled per retry up to the maximum below. */
export const PAYOUT_RETRY_DELAY_MS_MIN = 500;
export const PAYOUT_RETRY_DELAY_MS_MAX = 30_000;
/** A worker that claimed a payout and went silent for this long is presumed dead; the payout is re-examined. */
export const PAYOUT_CLAIM_LEASE_MS = 15_000;
/** Payouts claimed by one worker pass. */
export const PAYOUT_WORKER_BATCH_SIZE_MAX = 50;
/** Idle poll interval of the payout worker. */
export const PAYOUT_WORKER_POLL_INTERVAL_MS = 200;

/** Merchants settled in one T1 run transaction. */
export const T1_MERCHANTS_PER_TRANSACTION_MAX = 200;
/** Days after a bill is raised before it is due (and then overdue). */
export const BILL_DUE_DAYS = 7;
/** Bills listed in one page. */
export const BILLS_PAGE_SIZE_MAX = 100;
/** Rows in one statement (a merchant-month); more is refused rather than truncated. */
export const STATEMENT_ROWS_MAX = 200_000;
/** Clearing-file records reconciled in one run. */
export const CLEARING_RECORDS_MAX = 2_000_000;
/** Days searched forward for the next business day; a longer gap means the calendar data is broken. */
export const CALENDAR_SEARCH_DAYS_MAX = 30;
/** Booking dates whose next business day one calendar remembers (a few are asked each day). */
export const NEXT_BUSINESS_DAY_CACHE_SIZE_MAX = 1_000;

assert(PAYOUT_RETRY_DELAY_MS_MIN < PAYOUT_RETRY_DELAY_MS_MAX, 'retry delay bounds are ordered');
assert(BANK_REQUEST_TIMEOUT_MS < PAYOUT_CLAIM_LEASE_MS, 'a claim lease outlives one bank call');
assert(EVENT_BATCH_SIZE_MAX * 4 <= LEDGER_TRANSFERS_PER_CALL_MAX, 'one event batch fits one ledger call');
assert(EVENT_BATCH_SIZE_MAX <= busLimits.CONSUMER_BATCH_SIZE_MAX, 'an event batch is one bus consumer batch');
assert(
  CONSUMER_PARTITION_WORKER_COUNT <= busLimits.CONSUMER_PARTITION_WORKER_COUNT_MAX,
  'partition workers within the bus bound',
);
/** Payouts advanced in parallel by one worker pass (bank calls in flight at once). */
export const PAYOUT_WORKER_CONCURRENCY_MAX = 16;
assert(PAYOUT_WORKER_CONCURRENCY_MAX <= PAYOUT_WORKER_BATCH_SIZE_MAX, 'a pass has enough payouts for its concurrency');
/** Download of one network file (clearing, disputes). */
export const NETWORK_FILE_TIMEOUT_MS = 30_000;
/** Transactions or payouts listed in one page. */
export const LIST_PAGE_SIZE_MAX = 200;
/** How often the T1 scheduler looks at the clock. */
export const T1_SCHEDULER_INTERVAL_MS = 60_000;
/** How often unknown bill-repayment debits are queried, and how many per pass. */
export const REPAYMENT_RESOLVER_INTERVAL_MS = 10_000;
export const REPAYMENT_RESOLVER_BATCH_SIZE_MAX = 100;
/** How often replicas re-read the calendar overrides operators change on another replica. */
export const CALENDAR_RELOAD_INTERVAL_MS = 60_000;
/** settlement.events outbox rows the relay publishes per round trip, and its fallback poll (NOTIFY wakes it first). */
export const OUTBOX_RELAY_BATCH_SIZE_MAX = 500;
export const OUTBOX_RELAY_POLL_INTERVAL_MS = 1_000;
/** Bus consumer: attempts before an event goes to the dead-letter table. */
export const CONSUMER_RETRY_COUNT_MAX = 10;
/** Timeout of one gRPC call to the merchant service or card registry. */
export const PEER_GRPC_TIMEOUT_MS = 2_000;
/** How long claimed dispute ids are kept (a dispute file replayed later is still charged once: deterministic transfer ids and bill keys guard beyond it). */
export const PROCESSED_EVENTS_RETENTION_DAYS = 30;
/** Rows purged per retention pass, and how often it runs. */
export const RETENTION_PURGE_BATCH_MAX = 10_000;
export const RETENTION_INTERVAL_MS = 3_600_000;
