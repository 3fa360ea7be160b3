/**
 * Clearing and disputes: renders the daily clearing file from the approvals, keeps the
 * reconciliation injections per date, and raises chargebacks and retrieval requests against
 * approvals (a chargeback gives the cardholder the money back).
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import {
  type ClearingInjection,
  type ClearingInjectionKind,
  clearingLines,
  type Dispute,
  formatClearingFile,
  formatDisputeFile,
  isCleared,
} from '../domain/clearing-file.ts';
import { type Clock, clearingDate } from '../domain/clock.ts';
import type { NetworkApproval } from '../domain/issuer.ts';
import { LIMITS } from '../limits.ts';
import type { ApprovalStore } from '../store/approval-store.ts';
import type { CardStore } from '../store/card-store.ts';

export interface InjectionInput {
  readonly date: string;
  readonly kind: ClearingInjectionKind;
  readonly rrn: string | undefined;
  readonly amountFen: Fen | undefined;
  readonly terminalId: string | undefined;
  readonly merchantId: string | undefined;
}

export type InjectionResult =
  | { ok: true; injection: ClearingInjection }
  | { ok: false; errorCode: 'APPROVAL_NOT_FOUND' | 'STORE_FULL' };

export type DisputeResult =
  | { ok: true; dispute: Dispute }
  | { ok: false; errorCode: 'APPROVAL_NOT_FOUND' | 'AMOUNT_EXCEEDS_ORIGINAL' | 'NOT_DISPUTABLE' | 'STORE_FULL' };

const LONG_ITEM_AMOUNT_FEN_DEFAULT = 100n as Fen;
const MISMATCH_DELTA_FEN_DEFAULT = 1n as Fen;

export class ClearingFlow {
  private readonly approvals: ApprovalStore;
  private readonly cards: CardStore;
  private readonly clock: Clock;
  private readonly acquirerId: string;
  private readonly injectionsByDate = new Map<string, ClearingInjection[]>();
  private readonly disputesByDate = new Map<string, Dispute[]>();
  private disputeCount = 0;
  private syntheticSequence = 0;

  constructor(approvals: ApprovalStore, cards: CardStore, clock: Clock, acquirerId: string) {
    this.approvals = approvals;
    this.cards = cards;
    this.clock = clock;
    this.acquirerId = acquirerId;
  }

  clearingFile(date: string): string {
    const lines = clearingLines(this.approvals.forDate(date), this.injectionsByDate.get(date) ?? [], (approval) =>
      approval.originalId === undefined ? '' : (this.approvals.getById(approval.originalId)?.keys.rrn ?? ''),
    );
    return formatClearingFile(date, this.acquirerId, lines);
  }

  /** short and mismatch name an approval of the date by RRN (default: the date's last cleared one). */
  inject(input: InjectionInput): InjectionResult {
    const list = this.injectionsByDate.get(input.date) ?? [];
    if (list.length >= LIMITS.clearingInjectionsPerDateMax) return { ok: false, errorCode: 'STORE_FULL' };
    let rrn = input.rrn;
    if (input.kind !== 'long') {
      const target = this.findCleared(input.date, input.rrn);
      if (target === undefined) return { ok: false, errorCode: 'APPROVAL_NOT_FOUND' };
      rrn = target.keys.rrn;
    }
    this.syntheticSequence += 1;
    const injection: ClearingInjection = {
      kind: input.kind,
      rrn,
      amountFen: input.amountFen ?? (input.kind === 'long' ? LONG_ITEM_AMOUNT_FEN_DEFAULT : MISMATCH_DELTA_FEN_DEFAULT),
      terminalId: input.terminalId ?? '99999999',
      merchantId: input.merchantId ?? '999999999999999',
      syntheticRrn: `9${input.date.slice(2)}${this.syntheticSequence.toString().padStart(5, '0')}`.slice(0, 12),
    };
    list.push(injection);
    this.injectionsByDate.set(input.date, list);
    return { ok: true, injection };
  }

  clearInjections(date: string): void {
    this.injectionsByDate.delete(date);
  }

  private findCleared(date: string, rrn: string | undefined): NetworkApproval | undefined {
    const approvals = this.approvals.forDate(date);
    for (let index = approvals.length - 1; index >= 0; index -= 1) {
      const approval = approvals[index];
      if (approval !== undefined && isCleared(approval) && (rrn === undefined || approval.keys.rrn === rrn)) {
        return approval;
      }
    }
    return undefined;
  }

  /** Raises a dispute against an approval found by terminal + merchant + RRN. */
  raiseDispute(input: {
    terminalId: string;
    merchantId: string;
    rrn: string;
    kind: Dispute['kind'];
    reasonCode: string;
    amountFen: Fen | undefined;
  }): DisputeResult {
    const approval = this.approvals.getByRrn(input.terminalId, input.merchantId, input.rrn);
    if (approval === undefined) return { ok: false, errorCode: 'APPROVAL_NOT_FOUND' };
    if (!isCleared(approval) || (approval.operation !== 'purchase' && approval.operation !== 'completion')) {
      return { ok: false, errorCode: 'NOT_DISPUTABLE' };
    }
    const amountFen = input.amountFen ?? approval.amountFen;
    if (amountFen <= 0n || amountFen > approval.amountFen) return { ok: false, errorCode: 'AMOUNT_EXCEEDS_ORIGINAL' };
    if (this.disputeCount >= LIMITS.disputesMax) return { ok: false, errorCode: 'STORE_FULL' };
    this.disputeCount += 1;
    const date = clearingDate(this.clock());
    const dispute: Dispute = {
      disputeId: `dsp_${this.disputeCount}`,
      kind: input.kind,
      reasonCode: input.reasonCode,
      approval,
      amountFen,
      disputeDate: date,
    };
    if (dispute.kind === 'CHARGEBACK') {
      const card = this.cards.get(approval.pan);
      assert(card !== undefined, 'a disputed approval has its card');
      card.balanceFen = (card.balanceFen + amountFen) as Fen;
    }
    const list = this.disputesByDate.get(date) ?? [];
    list.push(dispute);
    this.disputesByDate.set(date, list);
    return { ok: true, dispute };
  }

  disputeFile(date: string): string {
    return formatDisputeFile(date, this.disputesByDate.get(date) ?? []);
  }
}
