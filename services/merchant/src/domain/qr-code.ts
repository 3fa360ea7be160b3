/**
 * Merchant QR code contents. The code encodes an HTTPS URL on the acquirer's QR host carrying an
 * unguessable token; wallets open it, and the payment flow resolves the token back to the merchant.
 * Static codes are permanent (the payer types the amount); dynamic codes carry one amount and expire.
 */
import { randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';

export const QR_KINDS = ['static', 'dynamic'] as const;
export type QrKind = (typeof QR_KINDS)[number];
export const QR_STATUSES = ['active', 'revoked', 'expired', 'used'] as const;
export type QrStatus = (typeof QR_STATUSES)[number];

const QR_TOKEN_BYTES = 16;
const QR_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newQrToken(): string {
  const token = randomBytes(QR_TOKEN_BYTES).toString('base64url');
  assert(QR_TOKEN_PATTERN.test(token), 'QR token is 22 base64url characters');
  return token;
}

export function qrContent(baseUrl: string, token: string): string {
  assert(baseUrl.startsWith('https://') || baseUrl.startsWith('http://'), 'QR base URL is http(s)');
  assert(QR_TOKEN_PATTERN.test(token), 'QR token is well formed');
  return `${baseUrl.replace(/\/+$/, '')}/${token}`;
}

/** The token of a scanned content, or undefined when the content is not one of our codes. */
export function qrTokenFromContent(baseUrl: string, content: string): string | undefined {
  const prefix = `${baseUrl.replace(/\/+$/, '')}/`;
  if (!content.startsWith(prefix)) return undefined;
  const token = content.slice(prefix.length);
  return QR_TOKEN_PATTERN.test(token) ? token : undefined;
}

/** The status a code has at a moment: an active dynamic code past its expiry reads as expired. */
export function effectiveQrStatus(stored: QrStatus, expiresAtMs: number | undefined, nowMs: number): QrStatus {
  if (stored === 'active' && expiresAtMs !== undefined && nowMs >= expiresAtMs) return 'expired';
  return stored;
}
