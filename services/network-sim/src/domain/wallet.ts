/**
 * Wallet providers' rules (WeChat-style, Alipay-style, UnionPay QR): payment-code routing by
 * prefix, how long an unpaid order lives, when a revoke is allowed, and the order state machine.
 * Every order ends SUCCESS, CLOSED or REVOKED (a refunded SUCCESS stays SUCCESS with refundedFen).
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export const WALLET_PROVIDERS = ['wechat', 'alipay', 'unionpay'] as const;
export type WalletProvider = (typeof WALLET_PROVIDERS)[number];

export interface WalletRules {
  readonly codePrefixes: readonly string[];
  readonly codeLength: number;
  /** A customer-presented order the user has not confirmed is closed this long after creation. */
  readonly unpaidCloseMs: number;
  /** A revoke (撤销) is refused before this age. */
  readonly revokeAllowedAfterMs: number;
  /** What an auto-closed or revoked order becomes. */
  readonly closedStatus: 'REVOKED' | 'CLOSED';
  readonly codeUrlPrefix: string;
}

export const WALLET_RULES: Record<WalletProvider, WalletRules> = {
  wechat: {
    codePrefixes: ['10', '11', '12', '13', '14', '15'],
    codeLength: 18,
    unpaidCloseMs: 45_000,
    revokeAllowedAfterMs: 15_000,
    closedStatus: 'REVOKED',
    codeUrlPrefix: 'weixin://wxpay/bizpayurl?pr=',
  },
  alipay: {
    codePrefixes: ['25', '26', '27', '28', '29', '30'],
    codeLength: 18,
    unpaidCloseMs: 180_000,
    revokeAllowedAfterMs: 0,
    closedStatus: 'CLOSED',
    codeUrlPrefix: 'https://qr.alipay.com/',
  },
  unionpay: {
    codePrefixes: ['62'],
    codeLength: 19,
    unpaidCloseMs: 60_000,
    revokeAllowedAfterMs: 0,
    closedStatus: 'CLOSED',
    codeUrlPrefix: 'https://qr.95516.com/',
  },
};

/** Merchant-presented (主扫) orders expire after this long unless the request says less, in ms. */
export const MERCHANT_ORDER_EXPIRY_MS_DEFAULT = 300_000;
export const MERCHANT_ORDER_EXPIRY_MS_MAX = 7_200_000;

/** The provider a customer payment code belongs to, by prefix and length; undefined when none. */
export function providerOfPaymentCode(code: string): WalletProvider | undefined {
  if (!/^[0-9]+$/.test(code)) return undefined;
  for (const provider of WALLET_PROVIDERS) {
    const rules = WALLET_RULES[provider];
    if (code.length === rules.codeLength && rules.codePrefixes.some((prefix) => code.startsWith(prefix))) {
      return provider;
    }
  }
  return undefined;
}

/** A payment code for provider: a prefix chosen by sequence, then digits from randomDigits. */
export function paymentCode(provider: WalletProvider, sequence: number, randomDigits: string): string {
  const rules = WALLET_RULES[provider];
  const prefix = rules.codePrefixes[sequence % rules.codePrefixes.length];
  assert(prefix !== undefined, 'provider has a code prefix');
  const bodyLength = rules.codeLength - prefix.length;
  assert(randomDigits.length >= bodyLength && /^[0-9]+$/.test(randomDigits), 'enough random digits');
  const code = `${prefix}${randomDigits.slice(0, bodyLength)}`;
  assert(providerOfPaymentCode(code) === provider, 'generated code routes to its provider');
  return code;
}

export type WalletOrderStatus = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'PAYERROR' | 'CLOSED' | 'REVOKED';
export type WalletFlowKind = 'customerPresented' | 'merchantPresented';

export interface WalletRefund {
  readonly outRefundNo: string;
  readonly refundId: string;
  readonly amountFen: Fen;
  readonly refundedAtMs: number;
}

export interface WalletOrder {
  readonly orderId: string;
  readonly provider: WalletProvider;
  readonly flow: WalletFlowKind;
  readonly outTradeNo: string;
  readonly merchantId: string;
  readonly amountFen: Fen;
  readonly description: string;
  readonly createdAtMs: number;
  /** Unpaid orders become closedStatus at this time. */
  readonly expiresAtMs: number;
  readonly notifyUrl: string;
  readonly codeUrl: string | undefined;
  /** Customer-presented: the code the platform scanned. */
  readonly paymentCode: string | undefined;
  status: WalletOrderStatus;
  userId: string | undefined;
  /** A slow user (USERPAYING) confirms at this time; undefined when nobody is typing a password. */
  userConfirmsAtMs: number | undefined;
  paidAtMs: number | undefined;
  refundedFen: Fen;
  readonly refunds: Map<string, WalletRefund>;
}

export function isFinalStatus(status: WalletOrderStatus): boolean {
  return status === 'SUCCESS' || status === 'CLOSED' || status === 'REVOKED' || status === 'PAYERROR';
}

export type RevokeCheck = 'allowed' | 'tooEarly' | 'refunded' | 'alreadyClosed';

/** Whether the platform may revoke (WeChat) or cancel (Alipay, UnionPay) order at nowMs. */
export function checkRevoke(order: WalletOrder, nowMs: number): RevokeCheck {
  if (order.status === 'CLOSED' || order.status === 'REVOKED') return 'alreadyClosed';
  if (order.refundedFen > 0n) return 'refunded';
  const rules = WALLET_RULES[order.provider];
  if (nowMs - order.createdAtMs < rules.revokeAllowedAfterMs) return 'tooEarly';
  return 'allowed';
}

export type RefundCheck = 'allowed' | 'notPaid' | 'exceedsPaid' | 'invalidAmount';

export function checkRefund(order: WalletOrder, amountFen: Fen): RefundCheck {
  if (order.status !== 'SUCCESS') return 'notPaid';
  if (amountFen <= 0n) return 'invalidAmount';
  if (order.refundedFen + amountFen > order.amountFen) return 'exceedsPaid';
  return 'allowed';
}
