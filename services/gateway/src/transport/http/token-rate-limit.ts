/**
 * Requests per access token at the HTTP edge: one token bucket per verified token subject (with its
 * role and merchant, so one subject name used by two merchants is two buckets). It runs after the
 * token's signature and expiry were checked, so a forged or expired token is refused 401 and never
 * spends the real subject's tokens. Past the rate the request is answered 429 TOKEN_RATE_LIMITED
 * with Retry-After (whole seconds) before any backing service is called. Public routes called
 * without a token are not counted here.
 */
import type { AccessClaims } from '@acq/access';
import type { Meter } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import type { KeyedRateLimit } from '../../domain/keyed-rate-limit.ts';
import { HttpError } from './http-error.ts';

const MS_PER_SECOND = 1000;

function bucketKeyOf(claims: AccessClaims): string {
  return `${claims.role}:${claims.sub}:${claims.merchantId ?? ''}`;
}

export function installTokenRateLimit(
  app: FastifyInstance,
  options: { limit: KeyedRateLimit; nowMs: () => number; meter: Meter },
): void {
  const throttled = options.meter.createCounter('acquirer.gateway.http.throttled', {
    description: 'HTTP requests answered 429 because their access token exceeded its request rate, by role',
  });
  // Registered after access control, so request.principal holds the verified claims.
  app.addHook('onRequest', async (request) => {
    const claims = request.principal;
    if (claims === undefined) return;
    const waitMs = options.limit.take(bucketKeyOf(claims), options.nowMs());
    if (waitMs === 0) return;
    throttled.add(1, { role: claims.role });
    throw new HttpError(429, 'TOKEN_RATE_LIMITED', 'too many requests for this access token', {
      retryAfterSeconds: Math.ceil(waitMs / MS_PER_SECOND),
    });
  });
}
