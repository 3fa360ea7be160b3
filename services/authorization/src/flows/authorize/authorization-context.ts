/**
 * Everything one transaction carries through the pipeline. Every field is declared here, up front,
 * so the object keeps one shape (no ad-hoc keys); fields stay undefined/null until a step sets them.
 * Card data (PAN, track, PIN block) is transient: `forgetCardData` runs before the answer leaves.
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import type { SettlementResult } from '../../domain/batch-totals.ts';
import type { DeclineReason } from '../../domain/decline-reason.ts';
import type { EntryMethod } from '../../domain/entry-mode.ts';
import type { CardKind } from '../../domain/fee.ts';
import type { StoredTransaction } from '../../store/transaction-row.ts';
import type { NetworkIdentity, OutboxEvent, TerminalContext, UpstreamResult } from '../ports.ts';
import type { TerminalRequest } from '../terminal-request.ts';

export interface StepTiming {
  readonly step: string;
  readonly durationMs: number;
  readonly vote: 'prepared' | 'aborted' | 'timeout' | 'error';
}

export type HostDirective = 'none' | 'resign_in' | 'download_parameters';

export class AuthorizationContext {
  readonly request: TerminalRequest;
  readonly txnId: string;
  /** Ours on arrival; replaced by the network's RRN when it answers with one. */
  rrn: string;
  readonly startedAtMs: number;
  readonly deadlineAtMs: number;
  readonly businessDate: string;

  // Card data derived by validation; pan/track2/pinBlock are cleared by forgetCardData.
  pan = '';
  track2 = '';
  expiryYymm = '';
  pinBlock: Uint8Array | null = null;
  pinBlockUnderZpk: Uint8Array | null = null;
  panMasked: string | null = null;
  cardToken: string | null = null;
  entryMethod: EntryMethod = 'unknown';
  pinPresent = false;
  cardKind: CardKind = 'unknown';

  terminal: TerminalContext | undefined = undefined;
  original: StoredTransaction | undefined = undefined;
  intentRecorded = false;
  duplicateOf: StoredTransaction | undefined = undefined;
  claimHeld = false;
  riskReservationId: string | undefined = undefined;
  riskFlagged = false;
  upstreamResult: UpstreamResult | undefined = undefined;
  upstreamReversalQueued = false;
  /** Reserved before the intent is written and stored with it; sent with the upstream request. */
  networkIdentity: NetworkIdentity | undefined = undefined;
  /** The network's identity of our message, known once the connector sent it ('' if nothing was sent). */
  networkStan = '';
  transmissionDateTime = '';

  status: 'pending' | 'approved' | 'declined' | 'timed_out' = 'pending';
  declineReason: DeclineReason | undefined = undefined;
  /** A field-39 code decided by another party (issuer, risk) that the mapper may pass through. */
  externalResponseCode = '';
  authCode = '';
  balanceFen: Fen | null = null;
  iccResponse: Uint8Array | null = null;
  feeFen: Fen = fen(0);
  settlementResult: SettlementResult | 0 = 0;
  hostDirective: HostDirective = 'none';
  /** Set when a stored answer is replayed for a retransmission (same request, same key). */
  replayedAnswer: StoredTransaction | undefined = undefined;
  events: OutboxEvent[] = [];
  readonly timings: StepTiming[] = [];

  constructor(
    request: TerminalRequest,
    identity: { txnId: string; rrn: string; nowMs: number; budgetMs: number; businessDate: string },
  ) {
    assert(identity.txnId.startsWith('auth_'), 'transaction ids carry the auth_ prefix');
    assert(identity.budgetMs > 0, 'a transaction needs a positive budget');
    assert(/^[0-9]{8}$/.test(identity.businessDate), 'business dates are YYYYMMDD');
    this.request = request;
    this.txnId = identity.txnId;
    this.rrn = identity.rrn;
    this.startedAtMs = identity.nowMs;
    this.deadlineAtMs = identity.nowMs + identity.budgetMs;
    this.businessDate = identity.businessDate;
  }

  /** Records why the transaction is declined; the first reason wins (later steps only clean up). */
  decline(reason: DeclineReason, externalResponseCode = ''): void {
    if (this.declineReason !== undefined) return;
    this.declineReason = reason;
    this.externalResponseCode = externalResponseCode;
    this.status = reason === 'upstream_timeout' ? 'timed_out' : 'declined';
  }

  approve(): void {
    assert(this.declineReason === undefined, 'a declined transaction cannot be approved');
    this.status = 'approved';
  }

  remainingMs(nowMs: number): number {
    return Math.max(0, this.deadlineAtMs - nowMs);
  }

  forgetCardData(): void {
    this.pan = '';
    this.track2 = '';
    if (this.pinBlock !== null) this.pinBlock.fill(0);
    this.pinBlock = null;
    if (this.pinBlockUnderZpk !== null) this.pinBlockUnderZpk.fill(0);
    this.pinBlockUnderZpk = null;
  }
}
