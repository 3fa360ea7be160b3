/**
 * API access tokens for the HTTP edge: compact `v1.<claims>.<signature>` strings, claims as base64url
 * JSON {sub, role, merchantId?, iat, exp}, signed with HMAC-SHA256 under ACCESS_TOKEN_SECRET. A merchant
 * token is bound to one merchant id; an operator token to none. ("access" means API credentials;
 * "authorization" is card authorization only.)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { assert } from '@acq/assert';

export const ACCESS_ROLES = ['operator', 'merchant'] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];

export interface AccessClaims {
  readonly sub: string;
  readonly role: AccessRole;
  /** Present exactly for merchant tokens. */
  readonly merchantId?: string;
  /** Issued-at and expiry, seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
}

export type AccessVerification =
  | { readonly ok: true; readonly claims: AccessClaims }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad_signature' | 'expired' };

const TOKEN_VERSION = 'v1';
/** Longer inputs are refused before any parsing or hashing. */
export const ACCESS_TOKEN_CHARS_MAX = 1024;
export const ACCESS_TOKEN_TTL_SECONDS_DEFAULT = 12 * 3600;
export const ACCESS_TOKEN_TTL_SECONDS_MAX = 30 * 24 * 3600;
export const ACCESS_SECRET_CHARS_MIN = 16;
const SUBJECT_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;
const MERCHANT_ID_PATTERN = /^mch_[a-z2-7]{20}$/;

function signature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

function claimsProblem(claims: AccessClaims): string | undefined {
  if (!SUBJECT_PATTERN.test(claims.sub)) return 'sub must be 1-64 letters, digits or _.:@-';
  if (claims.role === 'merchant' && (claims.merchantId === undefined || !MERCHANT_ID_PATTERN.test(claims.merchantId))) {
    return 'a merchant token needs a merchantId (mch_...)';
  }
  if (claims.role === 'operator' && claims.merchantId !== undefined) return 'an operator token carries no merchantId';
  return undefined;
}

export function issueAccessToken(input: {
  readonly secret: string;
  readonly subject: string;
  readonly role: AccessRole;
  readonly merchantId?: string;
  readonly nowMs: number;
  readonly ttlSeconds?: number;
}): string {
  assert(input.secret.length >= ACCESS_SECRET_CHARS_MIN, 'access token secret is at least 16 characters');
  const ttlSeconds = input.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS_DEFAULT;
  assert(
    Number.isInteger(ttlSeconds) && ttlSeconds > 0 && ttlSeconds <= ACCESS_TOKEN_TTL_SECONDS_MAX,
    'token lifetime within bounds',
  );
  const iat = Math.floor(input.nowMs / 1000);
  const claims: AccessClaims = {
    sub: input.subject,
    role: input.role,
    ...(input.merchantId === undefined ? {} : { merchantId: input.merchantId }),
    iat,
    exp: iat + ttlSeconds,
  };
  const problem = claimsProblem(claims);
  assert(problem === undefined, `access token claims: ${problem}`);
  const body = `${TOKEN_VERSION}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const token = `${body}.${signature(input.secret, body)}`;
  assert(token.length <= ACCESS_TOKEN_CHARS_MAX, 'issued token fits the verifier limit');
  return token;
}

function parseClaims(encoded: string): AccessClaims | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    // Not JSON: the caller answers "malformed"; nothing of the token is logged.
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const role = ACCESS_ROLES.find((candidate) => candidate === record.role);
  const { sub, iat, exp, merchantId } = record;
  if (role === undefined || typeof sub !== 'string' || !Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) {
    return undefined;
  }
  if (merchantId !== undefined && typeof merchantId !== 'string') return undefined;
  const claims: AccessClaims = {
    sub,
    role,
    ...(merchantId === undefined ? {} : { merchantId }),
    iat: iat as number,
    exp: exp as number,
  };
  return claimsProblem(claims) === undefined ? claims : undefined;
}

/** Checks shape, signature (constant time) and expiry, in that order; never throws on bad input. */
export function verifyAccessToken(token: string, secret: string, nowMs: number): AccessVerification {
  assert(secret.length >= ACCESS_SECRET_CHARS_MIN, 'access token secret is at least 16 characters');
  if (token.length > ACCESS_TOKEN_CHARS_MAX) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  const [version, encodedClaims, presented] = parts;
  if (parts.length !== 3 || version !== TOKEN_VERSION || encodedClaims === undefined || presented === undefined) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(signature(secret, `${version}.${encodedClaims}`));
  const actual = Buffer.from(presented);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    return { ok: false, reason: 'bad_signature' };
  const claims = parseClaims(encodedClaims);
  if (claims === undefined) return { ok: false, reason: 'malformed' };
  if (Math.floor(nowMs / 1000) >= claims.exp) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
