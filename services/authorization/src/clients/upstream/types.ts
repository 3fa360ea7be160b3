/**
 * The connector's public types: what the authorization pipeline sends upstream and what it gets back.
 * Card data (PAN, track 2, PIN block, ICC data) lives only in `UpstreamRequest`, which is never stored or
 * logged; reversals and advices carry only the network's reference data elements and are safe to persist.
 */
import type { Fen } from '@acq/money';

export const UPSTREAM_KINDS = [
  'balance_inquiry',
  'purchase',
  'void',
  'refund',
  'preauth',
  'preauth_void',
  'completion',
  'completion_void',
] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

/** The network's identification of an earlier message, needed by voids, completions, refunds. */
export interface UpstreamOriginal {
  networkStan: string;
  /** Field 7 of the original, MMDDhhmmss (GMT). */
  transmissionDateTime: string;
  rrn: string;
  authCode: string;
  amountFen: Fen;
}

export interface UpstreamRequest {
  kind: UpstreamKind;
  txnId: string;
  pan: string;
  expiryYymm?: string;
  track2?: string;
  amountFen: Fen;
  terminalId: string;
  /** From the terminal's bound merchant, never from the terminal's message (跳码 rule). */
  merchantNumber: string;
  mcc: string;
  merchantName: string;
  acquirerInstitutionId: string;
  posEntryMode: string;
  posConditionCode: string;
  pinBlockUnderZpk?: Buffer;
  iccData?: Buffer;
  original?: UpstreamOriginal;
}

/**
 * The network's key of one message (field 11 + field 7), reserved before the send so the caller can
 * store it first: whatever happens after, a reversal can name the message. `sentAt` (the reservation
 * time) also gives fields 12/13.
 */
export interface NetworkIdentity {
  readonly networkStan: string;
  /** Field 7, MMDDhhmmss (GMT). */
  readonly transmissionDateTime: string;
  readonly sentAt: Date;
}

export type UpstreamOutcome = 'approved' | 'declined' | 'timeout' | 'unavailable';

export interface UpstreamResult {
  outcome: UpstreamOutcome;
  /** Field 39 from the network; for timeout/unavailable the stand-in policy's code. */
  responseCode: string;
  authCode?: string;
  rrn?: string;
  /** Network STAN (field 11) the message was sent with; empty when nothing was sent. */
  networkStan: string;
  /** Field 7 sent, MMDDhhmmss GMT; empty when nothing was sent. */
  transmissionDateTime: string;
  balanceFen?: Fen;
  iccResponse?: Buffer;
  /**
   * Set on a financial timeout: true when the connector durably queued the reversal itself, false
   * when the database refused and the caller must queue it (enqueueReversal is idempotent).
   */
  reversalQueued?: boolean;
}

export const REVERSAL_REASONS = ['timeout', 'late_response', 'terminal_reversal', 'not_recorded'] as const;
export type UpstreamReversalReason = (typeof REVERSAL_REASONS)[number];

/** A reversal (0400) of a message the network may have acted on; identified by field 90. */
export interface UpstreamReversal {
  txnId: string;
  reason: UpstreamReversalReason;
  /** Kind of the message being reversed: gives the original MTI and processing code. */
  kind: UpstreamKind;
  amountFen: Fen;
  networkStan: string;
  transmissionDateTime: string;
  terminalId: string;
  merchantNumber: string;
  acquirerInstitutionId: string;
  posConditionCode: string;
  rrn?: string;
  authCode?: string;
}

export const ADVICE_REASONS = ['completion', 'refund', 'stand_in'] as const;
export type UpstreamAdviceReason = (typeof ADVICE_REASONS)[number];

/**
 * An advice (0220) the network must receive eventually: it refers to an earlier network message by
 * field 90 and carries no card data, so it can wait in the SAF queue.
 */
export interface UpstreamAdvice {
  txnId: string;
  reason: UpstreamAdviceReason;
  kind: UpstreamKind;
  amountFen: Fen;
  terminalId: string;
  merchantNumber: string;
  mcc: string;
  merchantName: string;
  acquirerInstitutionId: string;
  posEntryMode: string;
  posConditionCode: string;
  original: UpstreamOriginal & { kind: UpstreamKind };
}

export interface UpstreamStats {
  connectionsReady: number;
  connectionsTotal: number;
  inFlight: number;
  lateTracked: number;
  /** Identities reserved and neither sent nor released yet. */
  reservedIdentities: number;
  sent: number;
  approved: number;
  declined: number;
  timedOut: number;
  unavailable: number;
  lateResponses: number;
  unmatchedResponses: number;
  garbageFrames: number;
  reconnects: number;
}

/** Pino-compatible subset. */
export interface UpstreamLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type MetricAttributes = Record<string, string | number | boolean>;

/** OpenTelemetry `Meter` subset, so `@acq/telemetry`'s meter plugs in directly. */
export interface UpstreamMeter {
  createCounter(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    add(value: number, attributes?: MetricAttributes): void;
  };
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    record(value: number, attributes?: MetricAttributes): void;
  };
  createObservableGauge(
    name: string,
    options?: { description?: string; unit?: string },
  ): {
    addCallback(callback: (result: { observe(value: number, attributes?: MetricAttributes): void }) => void): void;
  };
}

/**
 * What the caller answers when the network cannot: field-39 codes for a timeout and for "nothing
 * connected". Stand-in approval is deliberately not offered: approving without the issuer would put
 * the acquirer's money at risk, which is a business decision beyond a config default.
 */
export interface StandInPolicy {
  timeoutResponseCode: string;
  unavailableResponseCode: string;
}

export const STAND_IN_DEFAULT: StandInPolicy = { timeoutResponseCode: '98', unavailableResponseCode: '96' };
