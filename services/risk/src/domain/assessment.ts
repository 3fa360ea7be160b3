/**
 * The shapes a risk assessment works with, independent of protobuf: what the caller tells us about
 * a transaction, what each rule answers, and how the answers combine into one decision.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export const Decision = { approve: 'approve', decline: 'decline', flag: 'approve_and_flag' } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

export const TxnKind = {
  balanceInquiry: 'balance_inquiry',
  purchase: 'purchase',
  void: 'void',
  refund: 'refund',
  preauth: 'preauth',
  preauthVoid: 'preauth_void',
  completion: 'completion',
  completionVoid: 'completion_void',
  reversal: 'reversal',
  batchSettlement: 'batch_settlement',
  batchUpload: 'batch_upload',
} as const;
export type TxnKind = (typeof TxnKind)[keyof typeof TxnKind];

export type MerchantType = 'individual' | 'enterprise';
export type MerchantStatus = 'active' | 'frozen' | 'closed' | 'unknown';
export type TerminalStatus = 'registered' | 'activated' | 'frozen' | 'retired' | 'unknown';
export type FeeCategory = 'standard' | 'discounted' | 'exempt' | 'unknown';
export type CardKind = 'debit' | 'credit' | 'unknown';
export type EntryMode = 'magstripe' | 'contact_ic' | 'contactless' | 'scan_code' | 'manual' | 'unknown';

export interface GeoLocation {
  latitudeE6: number;
  longitudeE6: number;
  areaCode: string;
}

export interface TerminalContext {
  terminalId: string;
  merchantId: string;
  merchantNumber: string;
  mcc: string;
  areaCode: string;
  merchantType: MerchantType;
  merchantStatus: MerchantStatus;
  terminalStatus: TerminalStatus;
  boundAtMs: number;
  reboundAtMs: number;
  t0Enabled: boolean;
  feeCategory: FeeCategory;
  registeredLocation: GeoLocation | undefined;
}

export interface AssessInput {
  txnId: string;
  kind: TxnKind;
  terminal: TerminalContext;
  cardToken: string;
  cardKind: CardKind;
  amountFen: Fen;
  entryMode: EntryMode;
  pinPresent: boolean;
  merchantNumberFromTerminal: string;
  reportedLocation: GeoLocation | undefined;
  occurredAtMs: number;
}

export interface RuleFiring {
  rule: string;
  decision: Decision;
  reason: string;
  /** Field 39 when decision is decline, '' otherwise. */
  responseCode: string;
}

export interface AssessOutcome {
  decision: Decision;
  responseCode: string;
  firedRules: RuleFiring[];
  reservationId: string;
  t0Eligible: boolean;
}

export function decline(rule: string, responseCode: string, reason: string): RuleFiring {
  assert(/^[0-9A-Z]{2}$/.test(responseCode) && responseCode !== '00', 'a decline needs a field-39 code');
  return { rule, decision: Decision.decline, reason, responseCode };
}

export function flag(rule: string, reason: string): RuleFiring {
  return { rule, decision: Decision.flag, reason, responseCode: '' };
}

/** Kinds that add to limit counters: money the cardholder is charged now or held for later. */
export function consumesLimits(kind: TxnKind): boolean {
  return kind === TxnKind.purchase || kind === TxnKind.preauth;
}

/**
 * Kinds that undo or close out earlier work (reversals, voids, batch totals). Risk never blocks
 * them: a declined reversal leaves the cardholder charged for a sale that did not happen. Their
 * counters are given back through Release instead.
 */
export function isUndoOrCloseOut(kind: TxnKind): boolean {
  return (
    kind === TxnKind.reversal ||
    kind === TxnKind.void ||
    kind === TxnKind.preauthVoid ||
    kind === TxnKind.completionVoid ||
    kind === TxnKind.batchSettlement ||
    kind === TxnKind.batchUpload
  );
}

/** Kinds that carry a card and an amount, so card blacklists, 跳码 and location checks apply. */
export function isCardFinancial(kind: TxnKind): boolean {
  return kind !== TxnKind.batchSettlement && kind !== TxnKind.batchUpload;
}

/**
 * Combines rule answers: the first decline (rules are evaluated in priority order) decides the
 * field-39 code; any flag without a decline gives approve-and-flag; nothing fired = approve.
 */
export function combineFirings(firings: readonly RuleFiring[]): { decision: Decision; responseCode: string } {
  let flagged = false;
  for (const firing of firings) {
    if (firing.decision === Decision.decline) {
      assert(firing.responseCode.length === 2, 'declines carry field 39');
      return { decision: Decision.decline, responseCode: firing.responseCode };
    }
    if (firing.decision === Decision.flag) flagged = true;
  }
  return { decision: flagged ? Decision.flag : Decision.approve, responseCode: '00' };
}

/** The reservation Assess makes for a transaction: one per txn id, so retries never double-count. */
export function reservationIdOf(txnId: string): string {
  assert(txnId.length > 0, 'reservations are named after their transaction');
  return `rsv_${txnId}`;
}
