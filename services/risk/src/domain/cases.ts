/** Risk cases and blacklist entries as the domain sees them (store- and wire-independent). */
export const CaseStatus = {
  open: 'open',
  merchantFrozen: 'merchant_frozen',
  t0Suspended: 't0_suspended',
  dismissed: 'dismissed',
} as const;
export type CaseStatus = (typeof CaseStatus)[keyof typeof CaseStatus];

export const CaseAction = { freezeMerchant: 'freeze_merchant', suspendT0: 'suspend_t0', dismiss: 'dismiss' } as const;
export type CaseAction = (typeof CaseAction)[keyof typeof CaseAction];

export const STATUS_AFTER_ACTION: Record<CaseAction, CaseStatus> = {
  freeze_merchant: CaseStatus.merchantFrozen,
  suspend_t0: CaseStatus.t0Suspended,
  dismiss: CaseStatus.dismissed,
};

export type BlacklistKind = 'card' | 'terminal' | 'merchant';
export const BLACKLIST_KINDS: readonly BlacklistKind[] = ['card', 'terminal', 'merchant'];

export interface RiskCase {
  caseId: string;
  status: CaseStatus;
  rule: string;
  reason: string;
  merchantId: string;
  terminalId: string;
  cardToken: string;
  hitCount: number;
  txnIds: string[];
  openedAtMs: number;
  lastHitAtMs: number;
  decidedAtMs: number;
  decidedBy: string;
  decisionNote: string;
}

export interface BlacklistEntry {
  kind: BlacklistKind;
  value: string;
  reason: string;
  createdBy: string;
  createdAtMs: number;
}

/** A rule hit that should reach an operator: it raises an alert and opens or joins a case. */
export interface RiskSignal {
  rule: string;
  reason: string;
  decision: 'decline' | 'approve_and_flag';
  merchantId: string;
  terminalId: string;
  cardToken: string;
  txnId: string;
  occurredAtMs: number;
  opensCase: boolean;
}
