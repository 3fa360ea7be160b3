/** Bounds of the HTTP API edge, with units (STYLE 14). */
import { assert } from '@acq/assert';

export const HTTP_LIMITS = {
  /** Largest request body; applications are the biggest at well under 4 KiB. */
  bodyBytesMax: 64 * 1024,
  /** Deadline of each gRPC call a route makes. */
  grpcCallTimeoutMs: 5_000,
  /** A whole request, including its gRPC calls, must finish within this. */
  requestTimeoutMs: 15_000,
  /** Idle keep-alive connections close after this. */
  keepAliveTimeoutMs: 10_000,
  /** Path parameters longer than this are refused before routing. */
  paramCharsMax: 100,
  /**
   * Sustained requests per second one access token subject may send (token bucket; configuration
   * may lower it). An operator console or a merchant app sends a few a second; bulk onboarding
   * scripts stay below this. Past it: 429 TOKEN_RATE_LIMITED with Retry-After.
   */
  tokenRequestsPerSecondMax: 200,
  /** Requests a quiet token subject may send at once before the sustained rate applies. */
  tokenBurstRequestsMax: 400,
  /** Token subjects whose rate is tracked at once (least recently seen forgotten past it). */
  tokenRateBucketsMax: 100_000,
} as const;

assert(HTTP_LIMITS.grpcCallTimeoutMs < HTTP_LIMITS.requestTimeoutMs, 'a gRPC call ends before its request times out');
