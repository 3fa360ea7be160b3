/**
 * What the flows need from the outside, passed in (STYLE 1): the database, the HSM, the outbox, the
 * clock and the service settings. main.ts wires the real ones; tests wire real Postgres too.
 */
import type pg from 'pg';
import type { Hsm } from '@acq/crypto';
import type { SensitiveDataCipher } from '../store/sensitive-data-cipher.ts';

/** The part of the HSM (`SoftwareHsm` from @acq/crypto, or a hardware one) the merchant service uses. */
export type TerminalKeyHsm = Pick<Hsm, 'generateTerminalMasterKey' | 'generateWorkingKeys'>;

export interface OutboxEvent {
  /** Bus event id (UUID v7), also carried in the payload's event_id. */
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly payload: Uint8Array;
}

/** Writes events inside the caller's transaction (transactional outbox, @acq/bus). */
export type WriteOutboxEvents = (client: pg.PoolClient, events: readonly OutboxEvent[]) => Promise<unknown>;

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
