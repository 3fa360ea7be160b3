/**
 * Every bound of the merchant service, with its unit (STYLE 14). Config may lower these, never raise.
 */
import { assert } from '@acq/assert';

export const LIMITS = {
  /** Postgres connections per replica. */
  dbPoolSizeMax: 10,
  /** statement_timeout for every query. */
  dbStatementTimeoutMs: 2_000,
  /** Deadline a gRPC handler has before it answers DEADLINE_EXCEEDED on its own. */
  grpcHandlerTimeoutMs: 5_000,
  /** Largest gRPC message accepted. */
  grpcMessageBytesMax: 1_048_576,
  /** How long a terminal activation code stays valid (policy: 3 days to install the terminal). */
  activationCodeTimeToLiveMs: 72 * 3_600_000,
  /** Wrong activation codes before the code locks; an operator re-issues one. */
  activationAttemptsMax: 5,
  /** Terminals one merchant may hold (small merchants; a reviewer raises it by config). */
  terminalsPerMerchantMax: 50,
  /** Rows a list call returns at most. */
  listRowsMax: 500,
  /** Dynamic QR codes live at most this long; default 2 hours when the caller gives none. */
  dynamicQrTimeToLiveMsMax: 24 * 3_600_000,
  dynamicQrTimeToLiveMsDefault: 2 * 3_600_000,
  /** Active QR codes per merchant. */
  activeQrCodesPerMerchantMax: 200,
  /** Outbox events the relay publishes per batch. */
  outboxRelayBatchSizeMax: 100,
  /** How often the relay looks for events when no NOTIFY woke it. */
  outboxRelayPollIntervalMs: 1_000,
  /** Open (submitted / under review) applications per ID number. */
  openApplicationsPerIdNumberMax: 1,
} as const;

assert(LIMITS.activationAttemptsMax >= 1, 'at least one activation attempt');
assert(LIMITS.dynamicQrTimeToLiveMsDefault <= LIMITS.dynamicQrTimeToLiveMsMax, 'default QR TTL within max');
assert(LIMITS.dbStatementTimeoutMs < LIMITS.grpcHandlerTimeoutMs, 'a query finishes before its handler deadline');
