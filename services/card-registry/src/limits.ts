/**
 * Every bound of the card registry, with its unit (STYLE 14). Config may lower these, never raise.
 * Policy defaults (cooldown, T0 suspension) are here too so config can be checked against them.
 */
import { assert } from '@acq/assert';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const LIMITS = {
  /** Postgres connections per replica. */
  dbPoolSizeMax: 10,
  /** statement_timeout for every query. */
  dbStatementTimeoutMs: 2_000,
  /** Deadline of every network-sim (identity, SMS, bank) HTTP call. */
  providerCallTimeoutMs: 5_000,
  /** Deadline of every merchant gRPC call. */
  merchantCallTimeoutMs: 3_000,
  /** Largest provider answer body read. */
  providerResponseBytesMax: 65_536,
  /** Deadline a gRPC handler has: a provider call and a few queries fit inside it. */
  grpcHandlerTimeoutMs: 15_000,
  /** 4-element verification: consecutive failures that lock the card (UnionPay rule). */
  identityConsecutiveFailuresMax: 3,
  /** 4-element verification attempts per card per Asia/Shanghai day. */
  identityAttemptsPerDayMax: 10,
  /** How long three consecutive failures lock a card (or until midnight, whichever is first). */
  identityLockoutMs: 12 * HOUR_MS,
  /** SMS one-time code lifetime. */
  smsCodeTimeToLiveMs: 5 * 60_000,
  /** Wrong SMS codes before the change fails. */
  smsAttemptsMax: 5,
  /** Digits of the SMS one-time code. */
  smsCodeDigits: 6,
  /** Wrong micro-deposit amounts before the change fails. */
  verificationAttemptsMax: 3,
  /** A change not finished within this time fails as EXPIRED when next touched. */
  changeTimeToLiveMs: 2 * DAY_MS,
  /** Longest cooldown between two completed changes config may set. */
  changeCooldownMsMax: 365 * DAY_MS,
  /** Default cooldown: one change per 30 days. */
  changeCooldownMsDefault: 30 * DAY_MS,
  /** Longest T0 suspension after a change config may set. */
  t0SuspensionMsMax: 30 * DAY_MS,
  /** Default T0 suspension after a change. */
  t0SuspensionMsDefault: 1 * DAY_MS,
  /** Rows ListCardChanges returns at most. */
  listRowsMax: 200,
  /** Steps of one change's audit trail shown at most (a change has about ten). */
  changeStepsShownMax: 100,
  /** Largest gRPC message accepted. */
  grpcMessageBytesMax: 1_048_576,
  /** Outbox events the relay publishes per batch. */
  outboxRelayBatchSizeMax: 100,
  /** How often the relay looks for events when no NOTIFY woke it. */
  outboxRelayPollIntervalMs: 1_000,
  /** Delivery attempts of a merchant.events message before it goes to the dead-letter table. */
  consumerRetryCountMax: 5,
  /** merchant.events messages handled per consumer batch. */
  consumerBatchSizeMax: 50,
  /** Consumer poll interval when no NOTIFY woke it. */
  consumerPollIntervalMs: 1_000,
} as const;

assert(LIMITS.dbStatementTimeoutMs < LIMITS.grpcHandlerTimeoutMs, 'a query finishes before its handler deadline');
assert(
  LIMITS.providerCallTimeoutMs * 2 < LIMITS.grpcHandlerTimeoutMs,
  'two provider calls (verification and SMS) fit in one handler deadline',
);
assert(LIMITS.identityConsecutiveFailuresMax < LIMITS.identityAttemptsPerDayMax, 'the daily cap is the wider limit');
assert(LIMITS.changeCooldownMsDefault <= LIMITS.changeCooldownMsMax, 'default cooldown within its max');
assert(LIMITS.t0SuspensionMsDefault <= LIMITS.t0SuspensionMsMax, 'default T0 suspension within its max');
assert(LIMITS.smsCodeTimeToLiveMs < LIMITS.changeTimeToLiveMs, 'an SMS code expires before its change');
