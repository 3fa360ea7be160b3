/**
 * The typed inputs settlement acts on. Authorization events (topic `authorization.events`) and
 * merchant data (merchant.events, GetMerchant) are mapped into these in transport/, so the flows do
 * not depend on the wire format.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { CardKind, FeePlan } from './fees.ts';

export const TRANSACTION_KINDS = [
  'PURCHASE',
  'PREAUTH',
  'PREAUTH_VOID',
  'COMPLETION',
  'COMPLETION_VOID',
  'VOID',
  'REFUND',
  'REVERSAL',
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/** Kinds that credit the merchant (or hold a credit) and kinds that undo or reduce an earlier one. */
export const CREDIT_KINDS: ReadonlySet<TransactionKind> = new Set(['PURCHASE', 'PREAUTH', 'COMPLETION']);

export type TransactionEvent = {
  readonly eventId: string;
  readonly txnId: string;
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly terminalId: string;
  readonly kind: TransactionKind;
  readonly amountFen: Fen;
  readonly cardKind: CardKind;
  readonly rrn: string;
  readonly authCode: string;
  readonly stan: string;
  readonly batchNumber: string;
  readonly occurredAtMs: number;
  /** The transaction a void, refund, reversal or completion refers to. */
  readonly originalTxnId: string | null;
};

export function assertTransactionEvent(event: TransactionEvent): void {
  assert(event.eventId.length > 0 && event.txnId.length > 0, 'events carry ids');
  assert(event.amountFen > 0n, 'transaction events carry a positive amount');
  assert(Number.isSafeInteger(event.occurredAtMs) && event.occurredAtMs > 0, 'events carry a time');
  const needsOriginal = !CREDIT_KINDS.has(event.kind) || event.kind === 'COMPLETION';
  assert(
    !needsOriginal || event.originalTxnId !== null || event.kind === 'COMPLETION',
    'follow-ups name their original',
  );
}

export type MerchantProfile = {
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly merchantName: string;
  readonly feePlan: FeePlan;
  readonly t0Enabled: boolean;
  readonly t0SingleLimitFen: Fen;
  readonly t0DailyQuotaFen: Fen;
  /** T0 paused until this instant (settlement-card change, risk decision); null when not suspended. */
  readonly t0SuspendedUntilMs: number | null;
  readonly contextVersion: bigint;
};

/** The merchant service, asked for profiles the local table does not have yet. */
export interface MerchantDirectoryPort {
  merchantProfile(merchantId: string): Promise<MerchantProfile | undefined>;
}

export type SettlementCard = {
  readonly cardToken: string;
  /** The account number encrypted under the HSM master key; only the bank client hands it on. */
  readonly accountNumberEncrypted: string;
  readonly holderName: string;
  readonly bankCode: string;
  readonly cardVersion: bigint;
};

/** The card registry: the merchant's active settlement card at the moment a payout starts. */
export interface SettlementCardPort {
  activeCard(merchantId: string): Promise<SettlementCard | undefined>;
}
