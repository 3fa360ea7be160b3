/**
 * The ports the authorization flow calls. Production adapters live in transport/ (gRPC clients of
 * merchant and risk), clients/upstream/ (the card network connector) and store/; tests supply fakes.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { CardKind, FeePlan } from '../domain/fee.ts';
import type { TransactionKind } from '../domain/transaction-kind.ts';
import type { UpstreamConnector, UpstreamKind } from '../clients/upstream/index.ts';

export type MerchantStatus = 'active' | 'frozen' | 'closed';
export type TerminalStatus = 'registered' | 'activated' | 'frozen' | 'retired';

/** What the merchant service says about a terminal and its bound merchant (merchant.proto TerminalContext). */
export interface TerminalContext {
  readonly terminalId: string;
  readonly serialNumber: string;
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly merchantName: string;
  readonly mcc: string;
  readonly areaCode: string;
  readonly merchantType: 'individual' | 'enterprise';
  readonly merchantStatus: MerchantStatus;
  readonly terminalStatus: TerminalStatus;
  readonly boundAtMs: number;
  readonly reboundAtMs: number;
  readonly signedIn: boolean;
  readonly batchNumber: string;
  readonly pikUnderMasterKey: string;
  readonly makUnderMasterKey: string;
  readonly t0Enabled: boolean;
  readonly feePlan: FeePlan;
  readonly location: { readonly latitudeE6: number; readonly longitudeE6: number; readonly areaCode: string };
  readonly contextVersion: bigint;
}

export type TerminalContextLookup =
  | { readonly kind: 'found'; readonly context: TerminalContext }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unavailable' };

export interface MerchantContextPort {
  getTerminalContext(terminalId: string, options: { timeoutMs: number }): Promise<TerminalContextLookup>;
  /** After a balanced 0500 the terminal continues in the next batch (merchant SetTerminalBatch). */
  setTerminalBatch(terminalId: string, batchNumber: string, options: { timeoutMs: number }): Promise<boolean>;
}

export interface RiskAssessment {
  readonly txnId: string;
  readonly kind: TransactionKind;
  readonly terminal: TerminalContext;
  readonly cardToken: string;
  readonly cardKind: CardKind;
  readonly amountFen: Fen;
  readonly posEntryMode: string;
  readonly pinPresent: boolean;
  readonly merchantNumberFromTerminal: string;
  readonly location: { readonly latitudeE6: number; readonly longitudeE6: number; readonly areaCode: string } | null;
  readonly occurredAtMs: number;
}

export type RiskDecision =
  | {
      readonly outcome: 'approve' | 'approve_and_flag';
      readonly reservationId: string;
      readonly firedRules: readonly string[];
    }
  | { readonly outcome: 'decline'; readonly responseCode: string; readonly firedRules: readonly string[] }
  | { readonly outcome: 'timeout' | 'unavailable' };

export interface RiskPort {
  assess(input: RiskAssessment, options: { timeoutMs: number }): Promise<RiskDecision>;
  /** Frees counters reserved by an approval that did not become a transaction (or was undone). */
  release(reservationId: string, reason: string): Promise<void>;
  /** Keeps the counters of a transaction that is now recorded as approved. */
  confirm(reservationId: string, txnId: string): Promise<void>;
}

/** PIN translation inside the HSM: the clear PIN never leaves it. */
export interface PinTranslatorPort {
  translatePinBlock(pikUnderMasterKey: string, pinBlock: Uint8Array, pan: string): PinTranslation;
}
export type PinTranslation = { readonly ok: true; readonly pinBlockUnderZpk: Uint8Array } | { readonly ok: false };

export type {
  NetworkIdentity,
  UpstreamKind,
  UpstreamOriginal,
  UpstreamRequest,
  UpstreamResult,
  UpstreamReversal,
  UpstreamReversalReason,
} from '../clients/upstream/index.ts';

/** What the flows use of the upstream connector (clients/upstream); tests supply a fake. */
export type UpstreamPort = Pick<
  UpstreamConnector,
  'reserveIdentity' | 'releaseIdentity' | 'send' | 'enqueueReversal' | 'ready'
>;

export function upstreamKindOf(kind: TransactionKind): UpstreamKind {
  assert(kind !== 'reversal' && kind !== 'batch_settlement' && kind !== 'batch_upload', 'only card kinds go upstream');
  return kind;
}

/** Event rows written through @acq/bus's outbox in the same SQL transaction as the business rows. */
export interface OutboxEvent {
  readonly topic: string;
  readonly key: string;
  readonly type: string;
  readonly payload: Uint8Array;
}
