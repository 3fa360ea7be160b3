/**
 * What the flows need from the outside, passed in (STYLE 1): the database, the HSM, the outbox, the
 * clock and the service settings. main.ts wires the real ones; tests wire real Postgres too.
 */
import type pg from 'pg';
import type { KeyMode } from '../domain/terminal-rules.ts';
import type { SensitiveDataCipher } from '../store/sensitive-data-cipher.ts';

/** The part of the software HSM (`SoftwareHsm` from @acq/crypto) the merchant service uses. */
export interface TerminalKeyHsm {
  /** A fresh TMK: stored under the master key, delivered in clear exactly once at activation. */
  generateTerminalMasterKey(): Promise<{ tmkUnderMasterKey: string; tmkClearForDelivery: string; checkValue: string }>;
  /** Working keys under the TMK for field 62, and the same keys under the master key for storage. */
  generateWorkingKeys(
    tmkUnderMasterKey: string,
    mode: KeyMode,
  ): Promise<{ field62: Uint8Array; pikUnderMasterKey: string; makUnderMasterKey: string; tdkUnderMasterKey: string }>;
}

export interface OutboxEvent {
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly payload: Uint8Array;
}

/** Writes events inside the caller's transaction (transactional outbox, @acq/bus). */
export type WriteOutboxEvents = (client: pg.PoolClient, events: readonly OutboxEvent[]) => Promise<void>;

export interface MerchantSettings {
  /** 3-digit acquirer code that opens every merchant number. */
  readonly acquirerCode: string;
  /** Key for activation code hashes (HMAC). */
  readonly activationCodeSecret: Uint8Array;
  /** Base URL encoded in merchant QR codes. */
  readonly qrBaseUrl: string;
  readonly activationCodeTimeToLiveMs: number;
  readonly activationAttemptsMax: number;
  readonly terminalsPerMerchantMax: number;
}

export interface MerchantDeps {
  readonly pool: pg.Pool;
  readonly hsm: TerminalKeyHsm;
  readonly cipher: SensitiveDataCipher;
  readonly writeOutboxEvents: WriteOutboxEvents;
  readonly nowMs: () => number;
  readonly settings: MerchantSettings;
}

export interface Actor {
  readonly subject: string;
  readonly role: 'operator' | 'merchant' | 'system';
}
