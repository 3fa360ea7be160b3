/** What every settlement flow is given: the pool, the calendar, the ports to other systems and a clock. */
import type pg from 'pg';
import type { BankRailsPort } from '../domain/bank-rails.ts';
import type { BusinessCalendar } from '../domain/calendar.ts';
import type { MerchantDirectoryPort, SettlementCardPort } from '../domain/settlement-events.ts';

export type Clock = { nowMs(): number };

export type SettlementContext = {
  readonly pool: pg.Pool;
  /** The current calendar (file + overrides); replaced when operators change an override. */
  calendar(): BusinessCalendar;
  /** Daily cutoff in minutes after local midnight (23:00 = 1380). */
  readonly cutoffMinuteOfDay: number;
  readonly merchants: MerchantDirectoryPort;
  readonly cards: SettlementCardPort;
  readonly bank: BankRailsPort;
  readonly clock: Clock;
};

export const SettlementErrorCode = {
  originalNotFound: 'ORIGINAL_NOT_FOUND',
  transactionNotFound: 'TRANSACTION_NOT_FOUND',
  payoutNotFound: 'PAYOUT_NOT_FOUND',
  merchantUnknown: 'MERCHANT_UNKNOWN',
  refundExceedsOriginal: 'REFUND_EXCEEDS_ORIGINAL',
  billNotFound: 'BILL_NOT_FOUND',
  billAlreadyPaid: 'BILL_ALREADY_PAID',
  repaymentExceedsBill: 'REPAYMENT_EXCEEDS_BILL',
  insufficientFunds: 'INSUFFICIENT_FUNDS',
  repaymentDeclined: 'REPAYMENT_DECLINED',
  t0NotEnabled: 'T0_NOT_ENABLED',
  t0Suspended: 'T0_SUSPENDED',
  quotaExceeded: 'T0_QUOTA_EXCEEDED',
  amountTooSmall: 'AMOUNT_TOO_SMALL',
  idempotencyConflict: 'IDEMPOTENCY_KEY_REUSED',
  notBusinessDay: 'NOT_A_BUSINESS_DAY',
  exceptionNotFound: 'EXCEPTION_NOT_FOUND',
  reconciliationNotFound: 'RECONCILIATION_NOT_FOUND',
  invalidInput: 'INVALID_INPUT',
  t1RunIncomplete: 'T1_RUN_INCOMPLETE',
} as const;
export type SettlementErrorCode = (typeof SettlementErrorCode)[keyof typeof SettlementErrorCode];

/** An operating error a caller can act on; transport maps the code to HTTP/gRPC status. */
export class SettlementError extends Error {
  override readonly name = 'SettlementError';
  readonly code: SettlementErrorCode;
  constructor(code: SettlementErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
