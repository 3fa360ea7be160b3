/**
 * Wallet providers and their published rules: which customer payment codes belong to which
 * provider (prefix and length), and how long a customer-presented payment may wait for the user
 * before it must be revoked (wechat revokes an unconfirmed payment at 45 s and refuses a revoke
 * before 15 s; alipay closes at 3 min; UnionPay QR at 60 s). We give up earlier than the provider
 * would, so the revoke is ours and the order never ends in a state we did not see.
 */
import { assert } from '@acq/assert';

export const QR_PROVIDERS = ['wechat', 'alipay', 'unionpay'] as const;
export type QrProvider = (typeof QR_PROVIDERS)[number];

export interface ProviderRules {
  readonly codePrefixes: readonly string[];
  readonly codeLength: number;
  /** Customer-presented: how long we wait for the user's password before revoking, in ms. */
  readonly userPayingWindowMs: number;
  /** The provider refuses a revoke of an order younger than this, in ms. */
  readonly revokeAllowedAfterMs: number;
}

export const PROVIDER_RULES: Readonly<Record<QrProvider, ProviderRules>> = {
  wechat: {
    codePrefixes: ['10', '11', '12', '13', '14', '15'],
    codeLength: 18,
    userPayingWindowMs: 30_000,
    revokeAllowedAfterMs: 15_000,
  },
  alipay: {
    codePrefixes: ['25', '26', '27', '28', '29', '30'],
    codeLength: 18,
    userPayingWindowMs: 60_000,
    revokeAllowedAfterMs: 0,
  },
  unionpay: { codePrefixes: ['62'], codeLength: 19, userPayingWindowMs: 45_000, revokeAllowedAfterMs: 0 },
};

export function isQrProvider(name: string): name is QrProvider {
  return (QR_PROVIDERS as readonly string[]).includes(name);
}

/** The provider a customer payment code belongs to, by prefix and length; undefined when none does. */
export function providerOfPaymentCode(code: string): QrProvider | undefined {
  if (!/^[0-9]+$/.test(code)) return undefined;
  const matches = QR_PROVIDERS.filter((provider) => {
    const rules = PROVIDER_RULES[provider];
    return code.length === rules.codeLength && rules.codePrefixes.some((prefix) => code.startsWith(prefix));
  });
  assert(matches.length <= 1, 'provider code ranges do not overlap');
  return matches[0];
}

/** The payment code as it may be stored and shown: first 4 and last 4 digits. */
export function maskPaymentCode(code: string): string {
  if (code.length <= 8) return '*'.repeat(code.length);
  return `${code.slice(0, 4)}${'*'.repeat(code.length - 8)}${code.slice(-4)}`;
}

/**
 * When a customer-presented payment created at createdAtMs must be given up (revoked). A revoke is
 * only sent once the provider accepts it, so the deadline is never before that point.
 */
export function userPayingDeadlineMs(provider: QrProvider, createdAtMs: number): number {
  const rules = PROVIDER_RULES[provider];
  return createdAtMs + Math.max(rules.userPayingWindowMs, rules.revokeAllowedAfterMs);
}

/** The earliest time a revoke of this order is accepted by its provider. */
export function revokeAllowedAtMs(provider: QrProvider, createdAtMs: number): number {
  return createdAtMs + PROVIDER_RULES[provider].revokeAllowedAfterMs;
}
