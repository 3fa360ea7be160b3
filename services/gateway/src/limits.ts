/**
 * Every bound of the gateway, with its unit. Configuration may lower a limit, never raise it.
 * The order of timeouts is asserted at start-up: upstream < authorization deadline < terminal wait.
 */
import { assert } from '@acq/assert';

/** Concurrent terminal TCP connections; past it new connections are closed at once. */
export const TERMINAL_CONNECTIONS_MAX = 20_000;
/** A persistent terminal connection with no complete frame for this long is closed. */
export const TERMINAL_IDLE_TIMEOUT_MS = 120_000;
/** Requests one connection may have in flight (terminals send one; concentrators pipeline). */
export const TERMINAL_IN_FLIGHT_PER_CONNECTION_MAX = 64;
/** Bytes queued for a terminal that does not read; past it the connection is closed. */
export const TERMINAL_WRITE_BUFFER_BYTES_MAX = 256 * 1024;
/**
 * Requests per second one signed-in terminal may send (token bucket, after the MAC verified). A POS
 * sends one every few seconds; bench terminals in a closed loop stay below this; past it the
 * request is answered 96 without reaching authorization. Reversals are never throttled.
 */
export const TERMINAL_REQUESTS_PER_SECOND_MAX = 200;
/** Requests a quiet terminal may send at once before the sustained rate applies. */
export const TERMINAL_REQUEST_BURST_MAX = 400;
/** MTI x field-39 series of the terminal request counter; past it new MTIs count as "other". */
export const TERMINAL_REQUEST_SERIES_MAX = 1_000;
/** Terminals whose request rate is tracked at once (least recently seen forgotten past it). */
export const TERMINAL_RATE_BUCKETS_MAX = 200_000;
/** A terminal gives up after 60 s (DESIGN.md section 4); our answer must come well before. */
export const TERMINAL_WAIT_MS = 60_000;
/** The deadline the gateway gives authorization for one transaction. */
export const AUTHORIZATION_DEADLINE_MS = 30_000;
/** The deadline for sign-in and context look-ups against the merchant service. */
export const MERCHANT_CALL_TIMEOUT_MS = 3_000;
/** How long a readiness probe waits for a peer's channel to connect. */
export const READY_PROBE_TIMEOUT_MS = 1_000;
/** Terminal contexts cached in memory (keys under the master key, bound merchant, batch). */
export const TERMINAL_CONTEXT_CACHE_ENTRIES_MAX = 200_000;
/** A cached context is re-read after this long even without an invalidating event. */
export const TERMINAL_CONTEXT_TTL_MS = 60_000;
/** Requests waiting on the authorization streams across the process. */
export const AUTHORIZATION_IN_FLIGHT_MAX = 20_000;
export const AUTHORIZATION_STREAMS_MAX = 16;
export const STREAM_RECONNECT_DELAY_MS_MIN = 50;
export const STREAM_RECONNECT_DELAY_MS_MAX = 2_000;

/** Postgres connections (the audit log of operator actions is the gateway's only table). */
export const DATABASE_POOL_SIZE_MAX = 4;
export const DATABASE_STATEMENT_TIMEOUT_MS = 5_000;

assert(AUTHORIZATION_DEADLINE_MS < TERMINAL_WAIT_MS, 'authorization must answer before the terminal gives up');
assert(MERCHANT_CALL_TIMEOUT_MS < AUTHORIZATION_DEADLINE_MS, 'a context look-up fits in the transaction budget');
assert(TERMINAL_CONTEXT_TTL_MS > 0, 'context TTL is positive');
