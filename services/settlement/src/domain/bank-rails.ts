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

export type DebitRequest = {
  readonly debitId: string;
  readonly method: 'bank_card' | 'wallet';
  readonly amountFen: Fen;
  /** The card token (bank card) or wallet account reference the merchant pays from. */
  readonly payerReference: string;
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
  queryDebit(debitId: string): Promise<DebitOutcome>;
}
