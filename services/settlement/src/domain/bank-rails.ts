/**
 * The bank rails as settlement sees them (network-sim's bank API in development). Every call's
 * transport failure (timeout, connection error, 5xx) is reported as `unknown`, never thrown: the
 * caller must then query before doing anything that could pay twice.
 */
import type { Fen } from '@acq/money';

export type PayoutInstruction = {
  /** Our id of this submission (`<payoutId>.<attempt>`); the bank deduplicates on it. */
  readonly instructionId: string;
  readonly amountFen: Fen;
  readonly accountNumberEncrypted: string;
  readonly holderName: string;
  readonly bankCode: string;
};

export type SubmitOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export type QueryOutcome =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'processing' }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Who pays a repayment: the merchant's bank card (its settlement card by default) or a wallet payment code. */
export type DebitPayer =
  | { readonly method: 'bank_card'; readonly accountNumberEncrypted: string; readonly holderName: string }
  | { readonly method: 'wallet'; readonly provider: string; readonly paymentCode: string };

/** Where a debit was sent, enough to ask about it again. */
export type DebitChannel = { readonly method: 'bank_card' } | { readonly method: 'wallet'; readonly provider: string };

export type DebitRequest = {
  /** Our repayment id; the bank (or wallet) deduplicates on it. */
  readonly debitId: string;
  readonly amountFen: Fen;
  readonly payer: DebitPayer;
};

export type DebitOutcome =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'insufficient_funds' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export interface BankRailsPort {
  submitPayout(instruction: PayoutInstruction): Promise<SubmitOutcome>;
  queryPayout(instructionId: string): Promise<QueryOutcome>;
  debit(request: DebitRequest): Promise<DebitOutcome>;
  queryDebit(debitId: string, channel: DebitChannel): Promise<DebitOutcome>;
}
