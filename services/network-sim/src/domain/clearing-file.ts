/**
 * The network's daily clearing file and dispute file as pipe-separated text. One D line per
 * approved financial transaction of the clearing date (reversed ones excluded; pre-auths, pre-auth
 * voids and balance inquiries move no money and are not cleared), keyed by the platform's terminal
 * id, merchant number, trace, transmission time and RRN. Injections alter the file on purpose so
 * reconciliation has long (extra), short (missing) and mismatched (amount differs) items to find.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { maskPan } from './card.ts';
import type { IssuerOperation, NetworkApproval } from './issuer.ts';

export const CLEARING_TYPES: Partial<Record<IssuerOperation, { code: string; direction: 'D' | 'C' }>> = {
  purchase: { code: 'PURCHASE', direction: 'D' },
  completion: { code: 'COMPLETION', direction: 'D' },
  void: { code: 'VOID', direction: 'C' },
  completionVoid: { code: 'COMPLETION_VOID', direction: 'C' },
  refund: { code: 'REFUND', direction: 'C' },
};

export type ClearingInjectionKind = 'long' | 'short' | 'mismatch';

export interface ClearingInjection {
  readonly kind: ClearingInjectionKind;
  /** short / mismatch: the RRN of the approval to drop or alter. */
  readonly rrn: string | undefined;
  /** mismatch: added to the amount; long: the amount of the extra line. */
  readonly amountFen: Fen;
  /** long: the keys of the extra line. */
  readonly terminalId: string;
  readonly merchantId: string;
  readonly syntheticRrn: string;
}

export interface ClearingLine {
  readonly type: string;
  readonly direction: 'D' | 'C';
  readonly terminalId: string;
  readonly merchantId: string;
  readonly stan: string;
  readonly transmissionDateTime: string;
  readonly rrn: string;
  readonly authCode: string;
  readonly amountFen: Fen;
  readonly panMasked: string;
  readonly cardKind: string;
  readonly originalRrn: string;
}

export function isCleared(approval: NetworkApproval): boolean {
  return approval.state === 'approved' && CLEARING_TYPES[approval.operation] !== undefined;
}

/** The lines of a clearing date: cleared approvals in approval order, altered by the injections. */
export function clearingLines(
  approvals: readonly NetworkApproval[],
  injections: readonly ClearingInjection[],
  originalRrnOf: (approval: NetworkApproval) => string,
): ClearingLine[] {
  const dropped = new Set(injections.filter((item) => item.kind === 'short').map((item) => item.rrn));
  const lines: ClearingLine[] = [];
  for (const approval of approvals) {
    if (!isCleared(approval) || dropped.has(approval.keys.rrn)) continue;
    const type = CLEARING_TYPES[approval.operation];
    assert(type !== undefined, 'cleared approvals have a clearing type');
    let amountFen = approval.amountFen;
    for (const injection of injections) {
      if (injection.kind === 'mismatch' && injection.rrn === approval.keys.rrn)
        amountFen = (amountFen + injection.amountFen) as Fen;
    }
    lines.push({
      type: type.code,
      direction: type.direction,
      terminalId: approval.keys.terminalId,
      merchantId: approval.keys.merchantId,
      stan: approval.keys.stan,
      transmissionDateTime: approval.keys.transmissionDateTime,
      rrn: approval.keys.rrn,
      authCode: approval.authCode,
      amountFen,
      panMasked: maskPan(approval.pan),
      cardKind: approval.cardKind,
      originalRrn: originalRrnOf(approval),
    });
  }
  for (const injection of injections) {
    if (injection.kind === 'long') lines.push(syntheticLine(injection));
  }
  return lines;
}

function syntheticLine(injection: ClearingInjection): ClearingLine {
  return {
    type: 'PURCHASE',
    direction: 'D',
    terminalId: injection.terminalId,
    merchantId: injection.merchantId,
    stan: injection.syntheticRrn.slice(-6),
    transmissionDateTime: '0000000000',
    rrn: injection.syntheticRrn,
    authCode: injection.syntheticRrn.slice(-6),
    amountFen: injection.amountFen,
    panMasked: '621700*********0000',
    cardKind: 'debit',
    originalRrn: '',
  };
}

export const CLEARING_FILE_COLUMNS =
  'D|seq|type|direction|terminalId|merchantId|stan|transmissionDateTime|rrn|authCode|amountFen|panMasked|cardKind|originalRrn';

export function formatClearingFile(date: string, acquirerId: string, lines: readonly ClearingLine[]): string {
  let debitFen = 0n;
  let creditFen = 0n;
  const rows = [`H|CLEARING|${date}|${acquirerId}|${lines.length}`, `#${CLEARING_FILE_COLUMNS}`];
  lines.forEach((line, index) => {
    if (line.direction === 'D') debitFen += line.amountFen;
    else creditFen += line.amountFen;
    rows.push(
      [
        'D',
        index + 1,
        line.type,
        line.direction,
        line.terminalId,
        line.merchantId,
        line.stan,
        line.transmissionDateTime,
        line.rrn,
        line.authCode,
        line.amountFen.toString(),
        line.panMasked,
        line.cardKind,
        line.originalRrn,
      ].join('|'),
    );
  });
  rows.push(`T|${lines.length}|${debitFen}|${creditFen}`);
  return `${rows.join('\n')}\n`;
}

export interface Dispute {
  readonly disputeId: string;
  readonly kind: 'CHARGEBACK' | 'RETRIEVAL';
  readonly reasonCode: string;
  readonly approval: NetworkApproval;
  readonly amountFen: Fen;
  readonly disputeDate: string;
}

export const DISPUTE_FILE_COLUMNS =
  'D|disputeId|kind|reasonCode|terminalId|merchantId|stan|transmissionDateTime|rrn|authCode|originalClearingDate|originalAmountFen|amountFen';

export function formatDisputeFile(date: string, disputes: readonly Dispute[]): string {
  let totalFen = 0n;
  const rows = [`H|DISPUTES|${date}|${disputes.length}`, `#${DISPUTE_FILE_COLUMNS}`];
  for (const dispute of disputes) {
    const keys = dispute.approval.keys;
    if (dispute.kind === 'CHARGEBACK') totalFen += dispute.amountFen;
    rows.push(
      [
        'D',
        dispute.disputeId,
        dispute.kind,
        dispute.reasonCode,
        keys.terminalId,
        keys.merchantId,
        keys.stan,
        keys.transmissionDateTime,
        keys.rrn,
        dispute.approval.authCode,
        dispute.approval.clearingDate,
        dispute.approval.amountFen.toString(),
        dispute.amountFen.toString(),
      ].join('|'),
    );
  }
  rows.push(`T|${disputes.length}|${totalFen}`);
  return `${rows.join('\n')}\n`;
}
