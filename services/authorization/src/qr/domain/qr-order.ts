/**
 * The QR order and its state machine. Every order ends SUCCESS, CLOSED or REVOKED:
 * NOTPAY/USERPAYING -> SUCCESS (paid), CLOSED (expired or closed unpaid) or REVOKED (given up);
 * SUCCESS -> REVOKED only for an order we abandoned (a terminal already told "declined"), where the
 * provider's revoke returns the money. Repeated or late provider news for a final order changes nothing.
 */
import type { Fen } from '@acq/money';
import type { QrProvider } from './providers.ts';

export const QR_ORDER_STATUSES = ['NOTPAY', 'USERPAYING', 'SUCCESS', 'CLOSED', 'REVOKED'] as const;
export type QrOrderStatus = (typeof QR_ORDER_STATUSES)[number];
export type QrFlow = 'merchant_presented' | 'customer_presented';
/** Who waits for the outcome: an HTTP caller (our event announces the payment) or a terminal (the card pipeline does). */
export type QrChannel = 'http' | 'terminal';

export interface QrOrder {
  readonly orderId: string;
  readonly flow: QrFlow;
  readonly channel: QrChannel;
  readonly provider: QrProvider;
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly terminalId: string;
  readonly mcc: string;
  readonly t0Enabled: boolean;
  readonly amountFen: Fen;
  readonly feeFen: Fen;
  readonly description: string;
  readonly idempotencyKey: string;
  readonly status: QrOrderStatus;
  readonly abandoned: boolean;
  /** Terminal orders: whether the card pipeline's outcome (approved or not) has been seen. */
  readonly cardOutcomeKnown: boolean;
  readonly codeUrl: string;
  readonly paymentCodeMasked: string;
  readonly failureCode: string;
  readonly riskReservationId: string;
  readonly authTxnId: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly paidAtMs: number;
  readonly nextCheckAtMs: number;
  readonly refundedFen: Fen;
}

const FINAL: ReadonlySet<QrOrderStatus> = new Set(['SUCCESS', 'CLOSED', 'REVOKED']);

export function isFinal(status: QrOrderStatus): boolean {
  return FINAL.has(status);
}

/** The wallet statuses we keep; PAYERROR is a failed payment the provider will not retry: closed. */
export function orderStatusOfWallet(walletStatus: string): QrOrderStatus | undefined {
  if (walletStatus === 'PAYERROR') return 'CLOSED';
  return (QR_ORDER_STATUSES as readonly string[]).includes(walletStatus) ? (walletStatus as QrOrderStatus) : undefined;
}

/**
 * Whether news `next` about an order in `current` moves it. Final states only move SUCCESS -> REVOKED
 * (the provider refunded an abandoned payment); USERPAYING never goes back to NOTPAY.
 */
export function canTransition(current: QrOrderStatus, next: QrOrderStatus): boolean {
  if (current === next) return false;
  if (current === 'SUCCESS') return next === 'REVOKED';
  if (isFinal(current)) return false;
  if (current === 'USERPAYING') return next !== 'NOTPAY';
  return true;
}

/** What the resolver must do with an open order now. */
export type ResolverAction = 'query' | 'close' | 'revoke' | 'check_card_outcome' | 'none';

export function resolverActionFor(order: QrOrder, nowMs: number, revokeAllowedAtMs: number): ResolverAction {
  if (order.status === 'SUCCESS') {
    if (order.abandoned) return 'revoke';
    return order.cardOutcomeKnown ? 'none' : 'check_card_outcome';
  }
  if (isFinal(order.status)) return 'none';
  const overdue = order.abandoned || nowMs >= order.expiresAtMs;
  if (!overdue) return 'query';
  if (order.flow === 'merchant_presented') return 'close';
  return nowMs >= revokeAllowedAtMs ? 'revoke' : 'query';
}
