/**
 * Turns a decoded terminal message into what the gateway must do with it: a sign-in, echo or
 * sign-off it answers with the merchant service, a typed AuthorizeRequest it forwards, or a
 * format refusal. Pure: no I/O, no business rules (limits, duplicates and routing live in
 * authorization).
 */
import type { IndexedIsoMessage } from '@acq/iso8583';
import { fenFromAmountField } from '@acq/money';
import {
  AuthorizeRequest,
  TransactionKind,
  type TransactionKind as TransactionKindValue,
} from '@acq/proto/authorization/v1/authorization.ts';
import {
  classifyFinancialRequest,
  type FinancialKind,
  NETWORK_MANAGEMENT,
  RESPONSE_CODE,
  type ResponseCode,
} from '@acq/terminal-protocol';
import { parseSettlementTotals } from './settlement-totals.ts';

export type KeyMode = '001' | '003' | '004';

export type TerminalRequest =
  | { type: 'sign-in'; terminalId: string; merchantNumber: string; keyMode: KeyMode; operatorNumber: string }
  | { type: 'sign-off'; terminalId: string }
  | { type: 'echo'; terminalId: string }
  | { type: 'financial'; terminalId: string; batchNumber: string; macRequired: boolean; request: AuthorizeRequest }
  | { type: 'refused'; terminalId: string | undefined; responseCode: ResponseCode; reason: string };

const KIND_BY_NAME: Record<FinancialKind, TransactionKindValue> = {
  BALANCE_INQUIRY: TransactionKind.TRANSACTION_KIND_BALANCE_INQUIRY,
  PURCHASE: TransactionKind.TRANSACTION_KIND_PURCHASE,
  VOID: TransactionKind.TRANSACTION_KIND_VOID,
  REFUND: TransactionKind.TRANSACTION_KIND_REFUND,
  PREAUTH: TransactionKind.TRANSACTION_KIND_PREAUTH,
  PREAUTH_VOID: TransactionKind.TRANSACTION_KIND_PREAUTH_VOID,
  COMPLETION: TransactionKind.TRANSACTION_KIND_COMPLETION,
  COMPLETION_VOID: TransactionKind.TRANSACTION_KIND_COMPLETION_VOID,
};

/** MTIs whose requests must carry a valid MAC (financial requests, DESIGN.md section 4). */
const MAC_REQUIRED_MTIS = new Set(['0100', '0200', '0220', '0400']);

export function textField(message: IndexedIsoMessage, field: number): string | undefined {
  const value = message.fieldValues[field];
  return typeof value === 'string' ? value : undefined;
}

function bytesField(message: IndexedIsoMessage, field: number): Buffer | undefined {
  const value = message.fieldValues[field];
  return Buffer.isBuffer(value) ? value : undefined;
}

/** Field 60: 60.1 transaction type n2, 60.2 batch n6, 60.3 network management code n3, rest vendor-specific. */
export function splitField60(value: string | undefined): {
  typeCode: string;
  batchNumber: string;
  managementCode: string;
} {
  const digits = value ?? '';
  return { typeCode: digits.slice(0, 2), batchNumber: digits.slice(2, 8), managementCode: digits.slice(8, 11) };
}

function refused(terminalId: string | undefined, responseCode: ResponseCode, reason: string): TerminalRequest {
  return { type: 'refused', terminalId, responseCode, reason };
}

export function parseTerminalRequest(message: IndexedIsoMessage, receivedAtMs: number): TerminalRequest {
  const terminalId = textField(message, 41);
  if (terminalId === undefined || terminalId.trim().length === 0) {
    return refused(undefined, RESPONSE_CODE.formatError, 'field 41 missing');
  }
  const field60 = splitField60(textField(message, 60));
  switch (message.mti) {
    case '0800':
      return parseSignIn(message, terminalId, field60.managementCode);
    case '0820':
      if (field60.managementCode === NETWORK_MANAGEMENT.echo) return { type: 'echo', terminalId };
      if (field60.managementCode === NETWORK_MANAGEMENT.signOff) return { type: 'sign-off', terminalId };
      return refused(terminalId, RESPONSE_CODE.formatError, 'unknown 0820 management code');
    case '0500':
    case '0320':
      return parseBatchMessage(message, terminalId, field60, receivedAtMs);
    default:
      if (!MAC_REQUIRED_MTIS.has(message.mti)) return refused(terminalId, RESPONSE_CODE.formatError, 'unsupported MTI');
      return parseFinancial(message, terminalId, field60, receivedAtMs);
  }
}

function parseSignIn(message: IndexedIsoMessage, terminalId: string, managementCode: string): TerminalRequest {
  const keyMode = managementCode as KeyMode;
  if (keyMode !== '001' && keyMode !== '003' && keyMode !== '004') {
    return refused(terminalId, RESPONSE_CODE.formatError, 'unknown sign-in key mode');
  }
  const merchantNumber = textField(message, 42) ?? '';
  const operatorNumber = (textField(message, 63) ?? '').slice(0, 3).trim();
  return { type: 'sign-in', terminalId, merchantNumber, keyMode, operatorNumber };
}

function baseRequest(message: IndexedIsoMessage, terminalId: string, batchNumber: string, receivedAtMs: number) {
  return {
    terminalId,
    merchantNumberFromTerminal: textField(message, 42) ?? '',
    stan: textField(message, 11) ?? '',
    batchNumber,
    receivedAtMs: BigInt(receivedAtMs),
    localTimeHhmmss: textField(message, 12) ?? '',
    localDateMmdd: textField(message, 13) ?? '',
    operatorNumber: (textField(message, 63) ?? '').slice(0, 3).trim(),
  };
}

function parseFinancial(
  message: IndexedIsoMessage,
  terminalId: string,
  field60: ReturnType<typeof splitField60>,
  receivedAtMs: number,
): TerminalRequest {
  const processingCode = textField(message, 3) ?? '';
  const conditionCode = textField(message, 25) ?? '';
  const classified = classifyFinancialRequest(message.mti, processingCode, conditionCode, field60.typeCode);
  if (classified === undefined) return refused(terminalId, RESPONSE_CODE.formatError, 'unknown transaction');
  const stan = textField(message, 11);
  if (stan === undefined || stan.length !== 6) return refused(terminalId, RESPONSE_CODE.formatError, 'field 11');
  if (field60.batchNumber.length !== 6) return refused(terminalId, RESPONSE_CODE.formatError, 'field 60.2');
  const amountText = textField(message, 4);
  const amountFen = amountText === undefined ? undefined : fenFromAmountField(amountText);
  const amountNeeded = classified.shape.moneyMoves;
  if (amountNeeded && (amountFen === undefined || amountFen <= 0n)) {
    return refused(terminalId, RESPONSE_CODE.invalidAmount, 'field 4');
  }
  const field61 = textField(message, 61) ?? '';
  if (classified.shape.needsOriginal && !classified.reversal && field61.length < 12) {
    return refused(terminalId, RESPONSE_CODE.formatError, 'field 61');
  }
  const kind = KIND_BY_NAME[classified.shape.kind];
  const entryMode = textField(message, 22) ?? '';
  const request = AuthorizeRequest.fromPartial({
    ...baseRequest(message, terminalId, field60.batchNumber, receivedAtMs),
    kind: classified.reversal ? TransactionKind.TRANSACTION_KIND_REVERSAL : kind,
    amountFen: amountFen ?? 0n,
    posEntryMode: entryMode,
    posConditionCode: conditionCode,
    pan: textField(message, 2) ?? '',
    track2: textField(message, 35) ?? '',
    track3: textField(message, 36) ?? '',
    expiryYymm: textField(message, 14) ?? '',
    cardSequence: textField(message, 23) ?? '',
    pinBlock: bytesField(message, 52) ?? Buffer.alloc(0),
    pinPresent: message.fieldValues[52] !== undefined,
    iccData: bytesField(message, 55) ?? Buffer.alloc(0),
    scanCode: textField(message, 59) ?? '',
    reversalReasonCode: classified.reversal ? (textField(message, 39) ?? '') : '',
    original: classified.reversal
      ? {
          batchNumber: field60.batchNumber,
          stan,
          dateMmdd: '',
          rrn: '',
          authCode: '',
          kind: kind as TransactionKindValue,
        }
      : originalFromField61(message, field61),
  });
  return {
    type: 'financial',
    terminalId,
    batchNumber: field60.batchNumber,
    macRequired: MAC_REQUIRED_MTIS.has(message.mti),
    request,
  };
}

function originalFromField61(message: IndexedIsoMessage, field61: string) {
  if (field61.length < 12) return undefined;
  return {
    batchNumber: field61.slice(0, 6),
    stan: field61.slice(6, 12),
    dateMmdd: field61.slice(12, 16),
    rrn: textField(message, 37) ?? '',
    authCode: textField(message, 38) ?? '',
    kind: TransactionKind.TRANSACTION_KIND_UNSPECIFIED,
  };
}

function parseBatchMessage(
  message: IndexedIsoMessage,
  terminalId: string,
  field60: ReturnType<typeof splitField60>,
  receivedAtMs: number,
): TerminalRequest {
  if (field60.batchNumber.length !== 6) return refused(terminalId, RESPONSE_CODE.formatError, 'field 60.2');
  if (message.mti === '0320') {
    return {
      type: 'financial',
      terminalId,
      batchNumber: field60.batchNumber,
      macRequired: false,
      request: AuthorizeRequest.fromPartial({
        ...baseRequest(message, terminalId, field60.batchNumber, receivedAtMs),
        kind: TransactionKind.TRANSACTION_KIND_BATCH_UPLOAD,
        networkManagementCode: field60.managementCode,
        uploadRecordCount: Number((textField(message, 48) ?? '').slice(0, 2) || '0'),
      }),
    };
  }
  if (field60.managementCode !== NETWORK_MANAGEMENT.batchSettlement) {
    return refused(terminalId, RESPONSE_CODE.formatError, 'field 60.3 of 0500');
  }
  const totals = parseSettlementTotals(textField(message, 48));
  if (totals === undefined) return refused(terminalId, RESPONSE_CODE.formatError, 'field 48');
  return {
    type: 'financial',
    terminalId,
    batchNumber: field60.batchNumber,
    macRequired: false,
    request: AuthorizeRequest.fromPartial({
      ...baseRequest(message, terminalId, field60.batchNumber, receivedAtMs),
      kind: TransactionKind.TRANSACTION_KIND_BATCH_SETTLEMENT,
      networkManagementCode: field60.managementCode,
      settlementTotals: totals,
    }),
  };
}
