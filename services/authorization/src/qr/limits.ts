/** Every bound of the QR payment module, with its unit. */

/** A wallet provider's HTTP answer is awaited at most this long before the call counts as unknown. */
export const WALLET_REQUEST_TIMEOUT_MS = 3_000;
/** A customer-presented payment that is USERPAYING is queried this often, in ms. */
export const PENDING_POLL_INTERVAL_MS = 2_000;
/** The HTTP caller of a customer-presented payment waits at most this long for a final state (inside the gateway's 5 s call deadline). */
export const HTTP_PAYMENT_WAIT_MS_MAX = 3_000;
/** A terminal scan-code purchase keeps this much of its budget for recording the outcome, in ms. */
export const TERMINAL_RECORDING_RESERVE_MS = 3_000;
/** Merchant-presented orders whose callback has not come are queried this often (lost callbacks), in ms. */
export const UNPAID_ORDER_QUERY_INTERVAL_MS = 5_000;
/** A failed provider call by the resolver is retried after this long, in ms. */
export const RESOLVER_RETRY_DELAY_MS = 3_000;
/** The resolver sleeps this long between sweeps when nothing was due, in ms. */
export const RESOLVER_IDLE_INTERVAL_MS = 500;
/** Orders (or refunds) one resolver sweep claims at most. */
export const RESOLVER_BATCH_ROWS_MAX = 50;
/** Merchant-presented orders live this long unless the request says less, in ms. */
export const MERCHANT_ORDER_EXPIRY_MS_DEFAULT = 300_000;
/** The longest merchant-presented order life a request may ask for, in ms. */
export const MERCHANT_ORDER_EXPIRY_MS_MAX = 7_200_000;
/** A callback whose timestamp is further than this from our clock is refused (replay window), in ms. */
export const CALLBACK_CLOCK_SKEW_MS_MAX = 300_000;
/** Raw callback bodies above this size are refused, in bytes. */
export const CALLBACK_BODY_BYTES_MAX = 16_384;
/** Descriptions above this length are refused, in characters. */
export const DESCRIPTION_LENGTH_MAX = 128;
/** Idempotency keys above this length are refused, in characters. */
export const IDEMPOTENCY_KEY_LENGTH_MAX = 64;
