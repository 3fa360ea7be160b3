/**
 * Every bound of the upstream connector and its store-and-forward (SAF) queue, with its unit.
 * Configuration may lower a limit, never raise it: `resolveUpstreamLimits` enforces that.
 */
import { assert } from '@acq/assert';

export const UPSTREAM_LIMITS = {
  /** Persistent TCP connections to the network per process. */
  connectionCountMax: 8,
  /** Requests awaiting a response on one connection; beyond this the request is refused as unavailable. */
  inFlightPerConnectionMax: 2_000,
  /** Bytes queued on one socket (kernel not yet accepting) before the connection counts as saturated. */
  writeBufferBytesMax: 4 * 1024 * 1024,
  /** Largest frame the network may send us; a longer length prefix is garbage and resets the connection. */
  frameBytesMax: 8_192,
  /** Default wait for a response; always below the authorization budget, which stays below the terminal's 60 s. */
  requestTimeoutMsDefault: 3_000,
  /** Upper bound of any single upstream wait (the pipeline's UPSTREAM_TIMEOUT_MS_MAX is the same 30 s). */
  requestTimeoutMsMax: 30_000,
  /** At shutdown, answers still in flight are awaited this long; the rest are failed as timeouts and reversed. */
  shutdownDrainMs: 5_000,
  /** Echo (0800, 70 = 301) after this much silence on a connection. */
  echoIntervalMs: 30_000,
  /** An echo or sign-on without an answer within this time marks the connection dead. */
  managementTimeoutMs: 5_000,
  /** Time allowed for the TCP connect itself. */
  connectTimeoutMs: 3_000,
  /** Reconnect backoff: first delay, cap, and jitter fraction in per-mille (250 = +-25%). */
  reconnectBackoffMsMin: 100,
  reconnectBackoffMsMax: 10_000,
  reconnectJitterPerMille: 250,
  /** How long a timed-out request is remembered so a late answer is recognised (and its STAN kept out of use). */
  lateResponseWindowMs: 120_000,
  /** Timed-out requests remembered at once; the oldest is forgotten first. */
  lateResponseTrackedMax: 50_000,
  /** Network STAN range (field 11 is n6). */
  networkStanMax: 999_999,
  /** SAF worker poll interval when nothing nudges it. */
  safPollIntervalMs: 1_000,
  /** SAF retry: first delay after a failed attempt and the cap of the exponential backoff. */
  safRetryIntervalMs: 2_000,
  safRetryIntervalMsMax: 300_000,
  /** Attempts before an item is parked and an operator alarm raised. */
  safAttemptCountMax: 50,
  /** Items claimed and sent per SAF batch. */
  safBatchSize: 100,
  /** Wait for a 0410/0230 to one SAF send. */
  safSendTimeoutMs: 5_000,
  /** The queue gauges (depth, oldest age) are refreshed at most this often. */
  safMetricsIntervalMs: 5_000,
  /** Acknowledged items are kept this long for investigation, then purged (30 days). */
  safAcknowledgedRetentionMs: 30 * 24 * 3_600_000,
  /** Rows deleted per purge statement, and how often the worker purges. */
  safPurgeBatchSize: 1_000,
  safPurgeIntervalMs: 60_000,
  /** Lease retry: a replica without the SAF lease tries to take it again after this long. */
  safLeaseRetryMs: 5_000,
} as const;

export type UpstreamLimits = { -readonly [K in keyof typeof UPSTREAM_LIMITS]: number };

assert(
  UPSTREAM_LIMITS.requestTimeoutMsDefault < UPSTREAM_LIMITS.requestTimeoutMsMax,
  'default request timeout must stay below its maximum',
);
assert(UPSTREAM_LIMITS.requestTimeoutMsMax < 60_000, 'an upstream wait must stay below the terminal timeout of 60 s');
assert(
  UPSTREAM_LIMITS.reconnectBackoffMsMin < UPSTREAM_LIMITS.reconnectBackoffMsMax,
  'reconnect backoff min must be below max',
);
assert(
  UPSTREAM_LIMITS.safRetryIntervalMs < UPSTREAM_LIMITS.safRetryIntervalMsMax,
  'SAF retry interval must be below its cap',
);
assert(
  UPSTREAM_LIMITS.lateResponseTrackedMax +
    UPSTREAM_LIMITS.connectionCountMax * UPSTREAM_LIMITS.inFlightPerConnectionMax <
    UPSTREAM_LIMITS.networkStanMax / 2,
  'STANs in use (in flight + remembered late) must leave most of the n6 space free',
);

/**
 * Applies overrides, refusing any that raise a limit or are not positive integers. The default
 * request timeout is a setting rather than a bound: it may be anything up to `requestTimeoutMsMax`.
 */
export function resolveUpstreamLimits(overrides: Partial<UpstreamLimits> = {}): UpstreamLimits {
  const resolved: UpstreamLimits = { ...UPSTREAM_LIMITS };
  for (const [name, value] of Object.entries(overrides)) {
    const key = name as keyof UpstreamLimits;
    assert(key in UPSTREAM_LIMITS, `unknown upstream limit ${name}`);
    assert(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0, `limit ${name} must be an integer`);
    const ceiling = key === 'requestTimeoutMsDefault' ? UPSTREAM_LIMITS.requestTimeoutMsMax : UPSTREAM_LIMITS[key];
    assert(value <= ceiling, `limit ${name} may be lowered, never raised (max ${ceiling})`);
    resolved[key] = value;
  }
  assert(resolved.connectionCountMax >= 1, 'at least one upstream connection');
  assert(resolved.requestTimeoutMsDefault >= 1, 'the default request timeout is positive');
  assert(
    resolved.requestTimeoutMsDefault <= resolved.requestTimeoutMsMax,
    'default request timeout within its maximum',
  );
  assert(resolved.reconnectBackoffMsMin <= resolved.reconnectBackoffMsMax, 'reconnect backoff min <= max');
  assert(resolved.safRetryIntervalMs <= resolved.safRetryIntervalMsMax, 'SAF retry interval <= its cap');
  return resolved;
}
