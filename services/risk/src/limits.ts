/**
 * Every bound the risk service keeps, with its unit. Configuration may lower these, never raise
 * them (config.ts checks). The Assess budget sits inside the authorization budget.
 */
import { assert } from '@acq/assert';

/** Longest a single Redis command may take before the rule that needs it counts as unavailable. */
export const REDIS_COMMAND_TIMEOUT_MS_MAX = 100;
/** Risk's own answer budget when the caller's deadline_ms is larger (or absent). */
export const ASSESS_BUDGET_MS_MAX = 100;
/** Part of the caller's deadline kept back for the answer to travel home. */
export const ASSESS_DEADLINE_MARGIN_MS = 2;
/** Requests in flight on one Assess stream; more are answered at once with the down policy. */
export const ASSESS_STREAM_IN_FLIGHT_MAX = 4_096;
/**
 * Reserve scripts waiting on Redis at once. Past it Redis is already behind: new requests get the
 * down policy at once instead of queueing (a bounded queue keeps latency bounded under overload).
 */
export const REDIS_RESERVES_IN_FLIGHT_MAX = 512;
/** Counters one Assess may check atomically (merchant, terminal, card x day, month). */
export const COUNTERS_PER_ASSESS_MAX = 8;
/**
 * Confirms and releases applied in one pipelined round: a SettleReservations call or a consumer
 * batch of authorization events (the bus hands at most 500).
 */
export const RESERVATION_SETTLEMENTS_PER_BATCH_MAX = 1_000;
/** How long an unconfirmed reservation holds its counters before the sweeper releases it. */
export const RESERVATION_PENDING_MS_MAX = 120_000;
/** How long a confirmed reservation stays releasable (void / reversal after approval), in seconds. */
export const RESERVATION_RETENTION_SECONDS = 35 * 24 * 3600;
/** Pending reservations released per sweeper pass, and the pause between passes. */
export const SWEEP_BATCH_SIZE_MAX = 500;
export const SWEEP_INTERVAL_MS = 5_000;
/** Members kept in one pattern window (sorted set); the oldest are trimmed beyond it. */
export const PATTERN_WINDOW_MEMBERS_MAX = 1_000;
/** Observations waiting for the pattern evaluator; beyond it new ones are dropped and counted. */
export const PATTERN_QUEUE_LENGTH_MAX = 10_000;
/** Observations the pattern evaluator takes per batch. */
export const PATTERN_BATCH_SIZE_MAX = 200;
/**
 * Observations per pattern script call. Redis runs one script at a time, so a long script would
 * stall the decision path's counters behind it: keep each call well under a millisecond.
 */
export const PATTERN_SCRIPT_OBSERVATIONS_MAX = 20;
/** The pattern monitor's own Redis connection is off the decision path and may wait longer. */
export const PATTERN_REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** Blacklist entries cached in memory (all of them: the cache must be complete to be trusted). */
export const BLACKLIST_ENTRIES_MAX = 1_000_000;
/** How often replicas look for blacklist / T0 suspension changes made elsewhere. */
export const BLACKLIST_REFRESH_INTERVAL_MS = 2_000;
/** Transaction ids kept as evidence on one case. */
export const CASE_EVIDENCE_TXN_IDS_MAX = 50;
/** Cases returned by one ListCases page. */
export const CASES_PAGE_SIZE_MAX = 200;
export const CASES_PAGE_SIZE_DEFAULT = 50;
/** Outbox relay: events per publish batch and the idle poll (NOTIFY wakes it sooner). */
export const OUTBOX_RELAY_BATCH_SIZE_MAX = 200;
export const OUTBOX_RELAY_POLL_INTERVAL_MS = 1_000;
/** authorization.events consumer: attempts before an event goes to the dead-letter table. */
export const EVENT_RETRY_COUNT_MAX = 5;
/**
 * Without a backlog the consumer waits this long before a round, so one round (and one pipelined
 * Redis round) applies the events of that time. Releases after voids and reversals may lag by this.
 */
export const EVENT_BATCH_LINGER_MS = 50;
/** Postgres statement timeout for the risk schema (cases, blacklists). */
export const PG_STATEMENT_TIMEOUT_MS = 2_000;
export const PG_POOL_SIZE_MAX = 10;
/** Text bounds for operator input. */
export const OPERATOR_NOTE_LENGTH_MAX = 500;
export const BLACKLIST_VALUE_LENGTH_MAX = 128;

assert(ASSESS_DEADLINE_MARGIN_MS < ASSESS_BUDGET_MS_MAX, 'the answer margin must leave room for work');
assert(REDIS_COMMAND_TIMEOUT_MS_MAX >= ASSESS_BUDGET_MS_MAX, 'redis timeout must not cut Assess short');
assert(RESERVATION_PENDING_MS_MAX < RESERVATION_RETENTION_SECONDS * 1000, 'pending < retention');
assert(SWEEP_INTERVAL_MS < RESERVATION_PENDING_MS_MAX, 'sweeper must run within the pending window');
/** How long the subject of a pattern case stays on the decision path's watch list, in seconds. */
export const CASE_WATCH_TTL_SECONDS = 7 * 24 * 3600;
