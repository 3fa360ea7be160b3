/** Protobuf payloads for topic "risk.events" (key = merchant_id), built from domain records. */
import { randomUUID } from 'node:crypto';
import { BlacklistChanged, RiskAlert, RiskCaseEvent, T0SuspensionChanged } from '@acq/proto/risk/v1/events.ts';
import {
  BlacklistKind as ProtoBlacklistKind,
  CaseAction as ProtoCaseAction,
  CaseStatus as ProtoCaseStatus,
  Decision as ProtoDecision,
  type BlacklistEntry as ProtoBlacklistEntry,
  type RiskCase as ProtoRiskCase,
} from '@acq/proto/risk/v1/risk.ts';
import type { BlacklistEntry, BlacklistKind, CaseAction, CaseStatus, RiskCase, RiskSignal } from '../domain/cases.ts';

export const RISK_EVENTS_TOPIC = 'risk.events';

export interface OutboxEvent {
  topic: string;
  key: string;
  type: string;
  payload: Uint8Array;
}

const CASE_STATUS_TO_PROTO: Record<CaseStatus, ProtoCaseStatus> = {
  open: ProtoCaseStatus.CASE_STATUS_OPEN,
  merchant_frozen: ProtoCaseStatus.CASE_STATUS_MERCHANT_FROZEN,
  t0_suspended: ProtoCaseStatus.CASE_STATUS_T0_SUSPENDED,
  dismissed: ProtoCaseStatus.CASE_STATUS_DISMISSED,
};

export const CASE_ACTION_TO_PROTO: Record<CaseAction, ProtoCaseAction> = {
  freeze_merchant: ProtoCaseAction.CASE_ACTION_FREEZE_MERCHANT,
  suspend_t0: ProtoCaseAction.CASE_ACTION_SUSPEND_T0,
  dismiss: ProtoCaseAction.CASE_ACTION_DISMISS,
};

export const BLACKLIST_KIND_TO_PROTO: Record<BlacklistKind, ProtoBlacklistKind> = {
  card: ProtoBlacklistKind.BLACKLIST_KIND_CARD,
  terminal: ProtoBlacklistKind.BLACKLIST_KIND_TERMINAL,
  merchant: ProtoBlacklistKind.BLACKLIST_KIND_MERCHANT,
};

export function caseStatusToProto(status: CaseStatus): ProtoCaseStatus {
  return CASE_STATUS_TO_PROTO[status];
}

export function riskCaseToProto(riskCase: RiskCase): ProtoRiskCase {
  return {
    caseId: riskCase.caseId,
    status: CASE_STATUS_TO_PROTO[riskCase.status],
    rule: riskCase.rule,
    reason: riskCase.reason,
    merchantId: riskCase.merchantId,
    terminalId: riskCase.terminalId,
    cardToken: riskCase.cardToken,
    hitCount: riskCase.hitCount,
    openedAtMs: BigInt(riskCase.openedAtMs),
    lastHitAtMs: BigInt(riskCase.lastHitAtMs),
    decidedAtMs: BigInt(riskCase.decidedAtMs),
    decidedBy: riskCase.decidedBy,
    decisionNote: riskCase.decisionNote,
    txnIds: riskCase.txnIds,
  };
}

export function blacklistEntryToProto(entry: BlacklistEntry): ProtoBlacklistEntry {
  return {
    kind: BLACKLIST_KIND_TO_PROTO[entry.kind],
    value: entry.value,
    reason: entry.reason,
    createdBy: entry.createdBy,
    createdAtMs: BigInt(entry.createdAtMs),
  };
}

export function alertEvent(signal: RiskSignal, caseId: string): OutboxEvent {
  const payload = RiskAlert.encode({
    alertId: randomUUID(),
    rule: signal.rule,
    reason: signal.reason,
    decision: signal.decision === 'decline' ? ProtoDecision.DECISION_DECLINE : ProtoDecision.DECISION_APPROVE_AND_FLAG,
    merchantId: signal.merchantId,
    terminalId: signal.terminalId,
    txnId: signal.txnId,
    cardToken: signal.cardToken,
    occurredAtMs: BigInt(signal.occurredAtMs),
    caseId,
  }).finish();
  return { topic: RISK_EVENTS_TOPIC, key: signal.merchantId || signal.terminalId, type: 'risk.alert', payload };
}

export function caseEvent(
  type: 'risk.case.opened' | 'risk.case.decided',
  riskCase: RiskCase,
  action: CaseAction | undefined,
): OutboxEvent {
  const payload = RiskCaseEvent.encode({
    riskCase: riskCaseToProto(riskCase),
    action: action === undefined ? ProtoCaseAction.CASE_ACTION_UNSPECIFIED : CASE_ACTION_TO_PROTO[action],
  }).finish();
  return { topic: RISK_EVENTS_TOPIC, key: riskCase.merchantId, type, payload };
}

export function t0SuspensionEvent(merchantId: string, suspended: boolean, reason: string, caseId: string): OutboxEvent {
  const payload = T0SuspensionChanged.encode({
    merchantId,
    suspended,
    reason,
    caseId,
    changedAtMs: BigInt(Date.now()),
  }).finish();
  return { topic: RISK_EVENTS_TOPIC, key: merchantId, type: 'risk.t0.suspension', payload };
}

export function blacklistChangedEvent(entry: BlacklistEntry, removed: boolean): OutboxEvent {
  const payload = BlacklistChanged.encode({ entry: blacklistEntryToProto(entry), removed }).finish();
  return { topic: RISK_EVENTS_TOPIC, key: entry.value, type: 'risk.blacklist.changed', payload };
}
