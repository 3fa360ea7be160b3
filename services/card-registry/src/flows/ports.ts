/**
 * What the flows need from the outside: the database, the merchant directory (identity the card must
 * match), the identity-verification provider, the SMS gateway and the bank (micro-deposits). Every port
 * answers typed outcomes; `unavailable` means the provider did not answer in time or failed.
 */
import type { Fen } from '@acq/money';
import type { Logger } from '@acq/telemetry';
import type pg from 'pg';
import type { BinTable } from '@acq/card-bins';
import type { MerchantIdentity } from '../domain/change-policy.ts';
import type { LockoutPolicy } from '../domain/identity-lockout.ts';
import type { CardCipher } from '../store/card-cipher.ts';

export type Actor = { readonly subject: string; readonly role: 'operator' | 'merchant' | 'system' };

export const SYSTEM_ACTOR: Actor = { subject: 'card-registry', role: 'system' };

export type Unavailable = { readonly kind: 'unavailable'; readonly reason: string };

export type IdentityOutcome =
  | { readonly kind: 'match' }
  | { readonly kind: 'mismatch'; readonly fields: readonly string[] }
  | { readonly kind: 'card_not_found' }
  | { readonly kind: 'invalid_id_number' }
  | { readonly kind: 'locked'; readonly lockedUntilMs: number }
  | Unavailable;

export type ZeroAmountOutcome =
  | { readonly kind: 'verified' }
  | { readonly kind: 'refused'; readonly reason: string }
  | Unavailable;

export type MicroDepositOutcome =
  | { readonly kind: 'sent'; readonly amountFen: Fen }
  | { readonly kind: 'failed'; readonly reason: string }
  | Unavailable;

export type SmsOutcome = { readonly kind: 'sent' } | Unavailable;

export interface IdentityVerificationPort {
  verifyElements(input: {
    readonly cardNumber: string;
    readonly name: string;
    readonly idNumber: string;
    readonly phone: string;
  }): Promise<IdentityOutcome>;
  verifyCardZeroAmount(input: { readonly cardNumber: string; readonly name: string }): Promise<ZeroAmountOutcome>;
}

export interface NotificationPort {
  sendSms(phone: string, text: string): Promise<SmsOutcome>;
}

export interface BankVerificationPort {
  /** Idempotent by requestId: a retry answers the deposit already made. */
  sendMicroDeposit(input: {
    readonly requestId: string;
    readonly accountNumber: string;
    readonly accountName: string;
  }): Promise<MicroDepositOutcome>;
}

export interface MerchantDirectoryPort {
  /** undefined when the merchant does not exist. */
  identity(merchantId: string): Promise<MerchantIdentity | undefined>;
  /** The settlement card the approved application asked for (onboarding bind). */
  requestedCard(merchantId: string): Promise<RequestedCard | undefined>;
}

export type RequestedCard = {
  readonly cardNumber: string;
  readonly holderName: string;
  readonly idNumber: string;
  readonly phone: string;
};

export type CardRegistrySettings = {
  readonly changeCooldownMs: number;
  readonly t0SuspensionMs: number;
  readonly smsCodeTimeToLiveMs: number;
  readonly smsAttemptsMax: number;
  readonly verificationAttemptsMax: number;
  readonly agreementVersion: string;
  readonly lockout: LockoutPolicy;
  readonly changeTimeToLiveMs: number;
};

export type CardRegistryDeps = {
  readonly pool: pg.Pool;
  readonly cipher: CardCipher;
  readonly binTable: BinTable;
  readonly merchants: MerchantDirectoryPort;
  readonly identity: IdentityVerificationPort;
  readonly notifications: NotificationPort;
  readonly bank: BankVerificationPort;
  readonly settings: CardRegistrySettings;
  readonly logger: Logger;
  readonly nowMs: () => number;
};
