/** Maps risk.proto messages to the domain's shapes and back; no rules here. */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { CardKind as ProtoCardKind } from '@acq/proto/authorization/v1/events.ts';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import {
  type AssessRequest,
  type AssessResponse,
  Decision as ProtoDecision,
  EntryMode as ProtoEntryMode,
  FeeCategory as ProtoFeeCategory,
  type GeoLocation as ProtoGeoLocation,
  MerchantStatus as ProtoMerchantStatus,
  MerchantType as ProtoMerchantType,
  TerminalStatus as ProtoTerminalStatus,
} from '@acq/proto/risk/v1/risk.ts';
import type {
  AssessInput,
  AssessOutcome,
  CardKind,
  Decision,
  EntryMode,
  FeeCategory,
  GeoLocation,
  MerchantStatus,
  TerminalStatus,
  TxnKind,
} from '../domain/assessment.ts';

const KIND_FROM_PROTO: Record<number, TxnKind> = {
  [TransactionKind.TRANSACTION_KIND_BALANCE_INQUIRY]: 'balance_inquiry',
  [TransactionKind.TRANSACTION_KIND_PURCHASE]: 'purchase',
  [TransactionKind.TRANSACTION_KIND_VOID]: 'void',
  [TransactionKind.TRANSACTION_KIND_REFUND]: 'refund',
  [TransactionKind.TRANSACTION_KIND_PREAUTH]: 'preauth',
  [TransactionKind.TRANSACTION_KIND_PREAUTH_VOID]: 'preauth_void',
  [TransactionKind.TRANSACTION_KIND_COMPLETION]: 'completion',
  [TransactionKind.TRANSACTION_KIND_COMPLETION_VOID]: 'completion_void',
  [TransactionKind.TRANSACTION_KIND_REVERSAL]: 'reversal',
  [TransactionKind.TRANSACTION_KIND_BATCH_SETTLEMENT]: 'batch_settlement',
  [TransactionKind.TRANSACTION_KIND_BATCH_UPLOAD]: 'batch_upload',
};

const MERCHANT_STATUS: Record<number, MerchantStatus> = {
  [ProtoMerchantStatus.MERCHANT_STATUS_ACTIVE]: 'active',
  [ProtoMerchantStatus.MERCHANT_STATUS_FROZEN]: 'frozen',
  [ProtoMerchantStatus.MERCHANT_STATUS_CLOSED]: 'closed',
};

const TERMINAL_STATUS: Record<number, TerminalStatus> = {
  [ProtoTerminalStatus.TERMINAL_STATUS_REGISTERED]: 'registered',
  [ProtoTerminalStatus.TERMINAL_STATUS_ACTIVATED]: 'activated',
  [ProtoTerminalStatus.TERMINAL_STATUS_FROZEN]: 'frozen',
  [ProtoTerminalStatus.TERMINAL_STATUS_RETIRED]: 'retired',
};

const FEE_CATEGORY: Record<number, FeeCategory> = {
  [ProtoFeeCategory.FEE_CATEGORY_STANDARD]: 'standard',
  [ProtoFeeCategory.FEE_CATEGORY_DISCOUNTED]: 'discounted',
  [ProtoFeeCategory.FEE_CATEGORY_EXEMPT]: 'exempt',
};

const ENTRY_MODE: Record<number, EntryMode> = {
  [ProtoEntryMode.ENTRY_MODE_MAGSTRIPE]: 'magstripe',
  [ProtoEntryMode.ENTRY_MODE_CONTACT_IC]: 'contact_ic',
  [ProtoEntryMode.ENTRY_MODE_CONTACTLESS]: 'contactless',
  [ProtoEntryMode.ENTRY_MODE_SCAN_CODE]: 'scan_code',
  [ProtoEntryMode.ENTRY_MODE_MANUAL]: 'manual',
};

const CARD_KIND: Record<number, CardKind> = {
  [ProtoCardKind.CARD_KIND_DEBIT]: 'debit',
  [ProtoCardKind.CARD_KIND_CREDIT]: 'credit',
};

const DECISION_TO_PROTO: Record<Decision, AssessResponse['decision']> = {
  approve: ProtoDecision.DECISION_APPROVE,
  decline: ProtoDecision.DECISION_DECLINE,
  approve_and_flag: ProtoDecision.DECISION_APPROVE_AND_FLAG,
};

function location(proto: ProtoGeoLocation | undefined): GeoLocation | undefined {
  if (proto === undefined) return undefined;
  return { latitudeE6: proto.latitudeE6, longitudeE6: proto.longitudeE6, areaCode: proto.areaCode };
}

/**
 * Identifiers become parts of Redis keys and reservation records, so they are restricted to a
 * plain alphabet (no spaces or separators) and a bounded length.
 */
const IDENTIFIER_PATTERN = /^[A-Za-z0-9_.:-]{0,128}$/;

function identifiersAreSafe(request: AssessRequest): boolean {
  const terminal = request.terminal;
  return (
    IDENTIFIER_PATTERN.test(request.txnId) &&
    IDENTIFIER_PATTERN.test(request.cardToken) &&
    terminal !== undefined &&
    IDENTIFIER_PATTERN.test(terminal.terminalId) &&
    IDENTIFIER_PATTERN.test(terminal.merchantId)
  );
}

export type ParsedAssess = { ok: true; input: AssessInput } | { ok: false; problem: string };

/** Validates the request shape; a malformed request is answered 30 (format error), not thrown. */
export function assessInputFromProto(request: AssessRequest, receivedAtMs: number): ParsedAssess {
  const kind = KIND_FROM_PROTO[request.kind];
  if (kind === undefined) return { ok: false, problem: 'unknown transaction kind' };
  const terminal = request.terminal;
  if (terminal === undefined || terminal.terminalId === '') return { ok: false, problem: 'terminal context missing' };
  if (!identifiersAreSafe(request))
    return { ok: false, problem: 'identifiers must be plain text of at most 128 characters' };
  if (request.amountFen < 0n || request.amountFen >= 2n ** 53n) return { ok: false, problem: 'amount out of range' };
  const merchantType =
    terminal.merchantType === ProtoMerchantType.MERCHANT_TYPE_ENTERPRISE ? 'enterprise' : 'individual';
  const input: AssessInput = {
    txnId: request.txnId,
    kind,
    terminal: {
      terminalId: terminal.terminalId,
      merchantId: terminal.merchantId,
      merchantNumber: terminal.merchantNumber,
      mcc: terminal.mcc,
      areaCode: terminal.areaCode,
      merchantType,
      merchantStatus: MERCHANT_STATUS[terminal.merchantStatus] ?? 'unknown',
      terminalStatus: TERMINAL_STATUS[terminal.terminalStatus] ?? 'unknown',
      boundAtMs: Number(terminal.boundAtMs),
      reboundAtMs: Number(terminal.reboundAtMs),
      t0Enabled: terminal.t0Enabled,
      feeCategory: FEE_CATEGORY[terminal.feeCategory] ?? 'unknown',
      registeredLocation: location(terminal.registeredLocation),
    },
    cardToken: request.cardToken,
    cardKind: CARD_KIND[request.cardKind] ?? 'unknown',
    amountFen: request.amountFen as Fen,
    entryMode: ENTRY_MODE[request.entryMode] ?? 'unknown',
    pinPresent: request.pinPresent,
    merchantNumberFromTerminal: request.merchantNumberFromTerminal,
    reportedLocation: location(request.reportedLocation),
    occurredAtMs: request.occurredAtMs > 0n ? Number(request.occurredAtMs) : receivedAtMs,
  };
  return { ok: true, input };
}

export function assessResponseToProto(
  correlationId: string,
  outcome: AssessOutcome,
  elapsedUs: number,
): AssessResponse {
  assert(outcome.responseCode.length === 2, 'field 39 has two characters');
  return {
    correlationId,
    decision: DECISION_TO_PROTO[outcome.decision],
    responseCode: outcome.responseCode,
    firedRules: outcome.firedRules.map((firing) => ({
      rule: firing.rule,
      decision: DECISION_TO_PROTO[firing.decision],
      reason: firing.reason,
      responseCode: firing.responseCode,
    })),
    reservationId: outcome.reservationId,
    t0Eligible: outcome.t0Eligible,
    elapsedUs: Math.max(0, Math.round(elapsedUs)),
  };
}

/** The answer for a request risk could not take at all (malformed, overloaded, failed). */
export function refusalResponse(
  correlationId: string,
  rule: string,
  responseCode: string,
  reason: string,
): AssessResponse {
  return {
    correlationId,
    decision: ProtoDecision.DECISION_DECLINE,
    responseCode,
    firedRules: [{ rule, decision: ProtoDecision.DECISION_DECLINE, reason, responseCode }],
    reservationId: '',
    t0Eligible: false,
    elapsedUs: 0,
  };
}
