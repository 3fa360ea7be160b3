/**
 * Access to the HTTP API: bearer tokens from @acq/access, and a rule every /v1 route declares in its
 * `config.access`. Operators see everything; a merchant token sees only its own merchant. A route that
 * forgets to declare a rule fails at start-up, never at run time with an open door.
 */
import { type AccessClaims, verifyAccessToken } from '@acq/access';
import { assert } from '@acq/assert';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.ts';

export type AccessRule =
  /** No token needed (the request carries its own secret, e.g. an activation code). */
  | { readonly kind: 'public' }
  | { readonly kind: 'operator' }
  /** Operators, or a merchant token whose merchantId equals the named path parameter. */
  | { readonly kind: 'operator_or_own_merchant'; readonly merchantIdParam: string }
  /** Operators or any merchant; the handler checks ownership after reading the resource. */
  | { readonly kind: 'operator_or_merchant' };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
  }
  interface FastifyRequest {
    /** The verified token's claims; undefined only on public routes without a token. */
    principal: AccessClaims | undefined;
  }
}

const BEARER_PREFIX = 'Bearer ';
const API_PREFIX = '/v1/';

function claimsOf(request: FastifyRequest, secret: string, nowMs: number): AccessClaims | undefined {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return undefined;
  if (!header.startsWith(BEARER_PREFIX))
    throw new HttpError(401, 'ACCESS_TOKEN_INVALID', 'use Authorization: Bearer <token>');
  const verification = verifyAccessToken(header.slice(BEARER_PREFIX.length).trim(), secret, nowMs);
  if (verification.ok) return verification.claims;
  if (verification.reason === 'expired') throw new HttpError(401, 'ACCESS_TOKEN_EXPIRED', 'access token has expired');
  throw new HttpError(401, 'ACCESS_TOKEN_INVALID', 'access token is not valid');
}

function enforce(rule: AccessRule, claims: AccessClaims | undefined, params: Record<string, string>): void {
  if (rule.kind === 'public') return;
  if (claims === undefined)
    throw new HttpError(401, 'ACCESS_TOKEN_MISSING', 'this route needs Authorization: Bearer <token>');
  if (claims.role === 'operator') return;
  if (rule.kind === 'operator') throw new HttpError(403, 'OPERATOR_ONLY', 'this route is for operators');
  if (rule.kind === 'operator_or_own_merchant') {
    const merchantId = params[rule.merchantIdParam];
    assert(merchantId !== undefined, 'the route declares the merchant id parameter it names');
    requireOwnMerchant(claims, merchantId);
  }
}

/** For handlers of operator_or_merchant routes once they know the resource's merchant. */
export function requireOwnMerchant(claims: AccessClaims | undefined, merchantId: string): void {
  assert(claims !== undefined, 'ownership is checked after authentication');
  if (claims.role === 'operator') return;
  if (claims.merchantId !== merchantId) {
    throw new HttpError(403, 'NOT_YOUR_MERCHANT', 'a merchant token sees only its own merchant');
  }
}

export function installAccessControl(app: FastifyInstance, options: { secret: string; nowMs: () => number }): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path;
    if (url.startsWith(API_PREFIX)) {
      assert(route.config?.access !== undefined, `route ${route.method} ${url} declares config.access`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const rule = request.routeOptions.config.access;
    if (rule === undefined) return;
    const claims = claimsOf(request, options.secret, options.nowMs());
    request.principal = claims;
    enforce(rule, claims, request.params as Record<string, string>);
  });
}

/** The actor a backing service records for this request. */
export function actorOf(request: FastifyRequest): { subject: string; role: string } {
  const claims = request.principal;
  if (claims === undefined) return { subject: 'anonymous', role: 'system' };
  return { subject: claims.sub, role: claims.role };
}
