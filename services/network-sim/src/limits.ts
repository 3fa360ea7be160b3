/**
 * Every bound of the simulator, with its unit. Configuration may lower a limit, never raise it
 * (config.ts asserts that). The simulator keeps all state in memory, so these bounds are what keeps
 * a long benchmark from exhausting the heap.
 */
export const LIMITS = {
  /** Cards the issuer keeps in its Map (seeded + created over HTTP). */
  cardCountMax: 200_000,
  /** Approved network transactions kept for the approvals listing, clearing file and matching. */
  approvalsRetainedMax: 600_000,
  /** Reversals of originals the issuer never saw, remembered so a late original is refused. */
  reversalTombstonesMax: 100_000,
  /** Wrong PINs in a row before the card answers 75 (PIN tries exceeded). */
  pinTriesMax: 3,
  /** Pre-auth completion may exceed the held amount by this share (CUP allows 115%), in percent. */
  completionOverHoldPercentMax: 15n,
  /** One ISO 8583 message body, in bytes (the 2-byte length header can say at most 65535). */
  isoMessageBytesMax: 8_192,
  /** Answer bytes queued to a peer that does not read before its connection is closed. */
  isoConnectionBufferBytesMax: 1_048_576,
  /** Concurrent ISO connections. */
  isoConnectionsMax: 256,
  /** Responses waiting on injected latency on one connection before new requests are refused. */
  isoPendingResponsesPerConnectionMax: 50_000,
  /** Injected latency or late-response delay, in milliseconds. */
  faultDelayMsMax: 600_000,
  /** Rows one approvals page returns. */
  approvalsPageSizeMax: 10_000,
  /** Wallet users and orders kept. */
  walletUsersMax: 100_000,
  walletOrdersMax: 500_000,
  /** Unused payment codes held at once (expired ones are swept). */
  walletPaymentCodesMax: 100_000,
  /** A customer payment code is valid this long after generation, in milliseconds. */
  walletPaymentCodeTtlMs: 60_000,
  /** Callback delivery: attempts per callback and the delay between them, in milliseconds. */
  walletCallbackAttemptsMax: 5,
  walletCallbackRetryDelayMs: 1_000,
  /** One callback HTTP request, in milliseconds. */
  walletCallbackTimeoutMs: 3_000,
  /** Callback deliveries remembered for GET /wallet/callbacks. */
  walletCallbackLogMax: 50_000,
  /** Bank transfers (payouts, micro-deposits, debits) kept. */
  bankTransfersMax: 500_000,
  /** Micro-deposit amount range, in fen (0.01-0.99 CNY). */
  microDepositFenMin: 1n,
  microDepositFenMax: 99n,
  /** How often due payouts and expired wallet orders are resolved, in milliseconds. */
  sweepIntervalMs: 50,
  /** SMS messages kept per phone number (oldest dropped first) and phone numbers kept. */
  smsMessagesPerPhoneMax: 100,
  smsPhonesMax: 100_000,
  /** SMS text length, in characters. */
  smsTextLengthMax: 500,
  /** Identity verification: consecutive failures before a card is locked, and attempts per day. */
  identityConsecutiveFailuresMax: 3,
  identityAttemptsPerDayMax: 10,
  /** Cards whose verification counters are tracked (oldest forgotten first). */
  identityTrackedCardsMax: 100_000,
  /** A consecutive-failure lock lifts after this long, or at midnight (Asia/Shanghai) if sooner. */
  identityLockMs: 12 * 60 * 60 * 1000,
  /** Reconciliation injections per clearing date. */
  clearingInjectionsPerDateMax: 10_000,
  /** Disputes kept. */
  disputesMax: 100_000,
  /** HTTP request body, in bytes. */
  httpBodyBytesMax: 1_048_576,
} as const;
