/**
 * Pure mapping between the connector's typed requests and ISO 87-style network messages
 * (`cupNetworkSpec`): which MTI and processing code each kind uses, which fields each message carries,
 * how field 90 identifies an original, and how a response becomes an `UpstreamResult`.
 */
import { assert } from '@acq/assert';
import { AMOUNT_TYPE, type FieldValue, type IsoMessage, isIsoCodecError, parseBalance54 } from '@acq/iso8583';
import { amountFieldFromFen, type Fen } from '@acq/money';
import type {
  NetworkIdentity,
  UpstreamAdvice,
  UpstreamKind,
  UpstreamOriginal,
  UpstreamRequest,
  UpstreamResult,
  UpstreamReversal,
  UpstreamReversalReason,
} from './types.ts';

/** A network message as the codec sees it: MTI plus field number -> value (digits/text or bytes). */
export type NetworkMessage = IsoMessage;

export const NETWORK_FIELD = {
  pan: 2,
  processingCode: 3,
  amount: 4,
  transmissionDateTime: 7,
  stan: 11,
  localTime: 12,
  localDate: 13,
  expiry: 14,
  mcc: 18,
  posEntryMode: 22,
  posConditionCode: 25,
  acquirerInstitutionId: 32,
  track2: 35,
  rrn: 37,
  authCode: 38,
  responseCode: 39,
  terminalId: 41,
  merchantNumber: 42,
  merchantNameLocation: 43,
  currency: 49,
  pinBlock: 52,
  balance: 54,
  iccData: 55,
  networkManagementCode: 70,
  originalDataElements: 90,
} as const;

export const NETWORK_MANAGEMENT = { signOn: '001', echo: '301' } as const;
export const CURRENCY_CNY_FIELD = '156';
/** Field 39 of a 0410 that means the network will not act on the original any more. */
export const REVERSAL_ACK_CODES: ReadonlySet<string> = new Set(['00', '25', '12']);
/** Field 39 of a 0230 that means the network has the advice (94: it already had it). */
export const ADVICE_ACK_CODES: ReadonlySet<string> = new Set(['00', '94']);
/** Field 39 a reversal carries, by why we reverse. */
const REVERSAL_REASON_CODE: Record<UpstreamReversalReason, string> = {
  timeout: '98',
  late_response: '98',
  terminal_reversal: '06',
  not_recorded: '96',
};

interface KindRoute {
  mti: string;
  processingCode: string;
  /** Kind of the original a follow-up refers to (field 90), undefined for first messages. */
  originalKind: UpstreamKind | undefined;
  financial: boolean;
}

const KIND_ROUTES: Record<UpstreamKind, KindRoute> = {
  balance_inquiry: { mti: '0200', processingCode: '310000', originalKind: undefined, financial: false },
  purchase: { mti: '0200', processingCode: '000000', originalKind: undefined, financial: true },
  void: { mti: '0200', processingCode: '200000', originalKind: 'purchase', financial: true },
  refund: { mti: '0220', processingCode: '200000', originalKind: 'purchase', financial: true },
  preauth: { mti: '0100', processingCode: '030000', originalKind: undefined, financial: true },
  preauth_void: { mti: '0200', processingCode: '200000', originalKind: 'preauth', financial: true },
  completion: { mti: '0200', processingCode: '000000', originalKind: 'preauth', financial: true },
  completion_void: { mti: '0200', processingCode: '200000', originalKind: 'completion', financial: true },
};

export function routeOf(kind: UpstreamKind): KindRoute {
  return KIND_ROUTES[kind];
}

/** True when the network may have moved money for this kind, so a timeout must be reversed. */
export function needsReversalOnTimeout(kind: UpstreamKind): boolean {
  return KIND_ROUTES[kind].financial;
}

export function responseMtiOf(requestMti: string): string {
  assert(/^0[0-9][02]0$/.test(requestMti), 'request MTI must be a request or advice class');
  const value = Number.parseInt(requestMti, 10) + 10;
  return value.toString().padStart(4, '0');
}

/** Field 7, MMDDhhmmss in GMT as ISO 8583 requires. */
export function transmissionDateTimeOf(at: Date): string {
  const pad = (value: number) => value.toString().padStart(2, '0');
  return `${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Fields 12 (hhmmss) and 13 (MMDD): local time of the transaction, Asia/Shanghai (no DST). */
function localDateTimeFields(at: Date): { localTime: string; localDate: string } {
  const local = transmissionDateTimeOf(new Date(at.getTime() + SHANGHAI_OFFSET_MS));
  return { localDate: local.slice(0, 4), localTime: local.slice(4) };
}

/** Field 90: original MTI (4) + STAN (6) + field 7 (10) + acquirer id (11) + forwarding id (11). */
export function originalDataElements(
  originalKind: UpstreamKind,
  networkStan: string,
  transmissionDateTime: string,
  acquirerInstitutionId: string,
): string {
  assert(/^[0-9]{6}$/.test(networkStan), 'original STAN must be 6 digits');
  assert(/^[0-9]{10}$/.test(transmissionDateTime), 'original field 7 must be 10 digits');
  assert(/^[0-9]{1,11}$/.test(acquirerInstitutionId), 'acquirer institution id must be 1..11 digits');
  const value = `${KIND_ROUTES[originalKind].mti}${networkStan}${transmissionDateTime}${acquirerInstitutionId.padStart(11, '0')}${'0'.repeat(11)}`;
  assert(value.length === 42, 'field 90 is n42');
  return value;
}

function setMerchantFields(
  fields: Map<number, FieldValue>,
  source: Pick<UpstreamRequest, 'terminalId' | 'merchantNumber' | 'mcc' | 'merchantName' | 'acquirerInstitutionId'>,
): void {
  fields.set(NETWORK_FIELD.mcc, source.mcc);
  fields.set(NETWORK_FIELD.acquirerInstitutionId, source.acquirerInstitutionId);
  fields.set(NETWORK_FIELD.terminalId, source.terminalId);
  fields.set(NETWORK_FIELD.merchantNumber, source.merchantNumber);
  fields.set(NETWORK_FIELD.merchantNameLocation, merchantNameLocationField(source.merchantName));
}

function setIdentityFields(fields: Map<number, FieldValue>, identity: NetworkIdentity): void {
  const local = localDateTimeFields(identity.sentAt);
  fields.set(NETWORK_FIELD.transmissionDateTime, identity.transmissionDateTime);
  fields.set(NETWORK_FIELD.stan, identity.networkStan);
  fields.set(NETWORK_FIELD.localTime, local.localTime);
  fields.set(NETWORK_FIELD.localDate, local.localDate);
}

function setOriginalFields(
  fields: Map<number, FieldValue>,
  kind: UpstreamKind,
  original: UpstreamOriginal | undefined,
  acquirerInstitutionId: string,
): void {
  const originalKind = KIND_ROUTES[kind].originalKind;
  if (originalKind === undefined) return;
  assert(original !== undefined, `${kind} needs the original's data elements`);
  fields.set(NETWORK_FIELD.rrn, original.rrn);
  if (original.authCode.length > 0) fields.set(NETWORK_FIELD.authCode, original.authCode);
  fields.set(
    NETWORK_FIELD.originalDataElements,
    originalDataElements(originalKind, original.networkStan, original.transmissionDateTime, acquirerInstitutionId),
  );
}

function setCardFields(fields: Map<number, FieldValue>, request: UpstreamRequest): void {
  fields.set(NETWORK_FIELD.pan, request.pan);
  if (request.expiryYymm !== undefined) fields.set(NETWORK_FIELD.expiry, request.expiryYymm);
  if (request.track2 !== undefined) fields.set(NETWORK_FIELD.track2, request.track2);
  if (request.pinBlockUnderZpk !== undefined) fields.set(NETWORK_FIELD.pinBlock, request.pinBlockUnderZpk);
  if (request.iccData !== undefined) fields.set(NETWORK_FIELD.iccData, request.iccData);
}

/** The first message of a kind (0100/0200/0220) carrying the card and the bound merchant's identity. */
export function buildRequestMessage(request: UpstreamRequest, identity: NetworkIdentity): NetworkMessage {
  assert(request.amountFen >= 0n, 'amount must not be negative');
  const route = KIND_ROUTES[request.kind];
  const fields = new Map<number, FieldValue>();
  setCardFields(fields, request);
  fields.set(NETWORK_FIELD.processingCode, route.processingCode);
  if (request.kind !== 'balance_inquiry') fields.set(NETWORK_FIELD.amount, amountFieldFromFen(request.amountFen));
  setIdentityFields(fields, identity);
  fields.set(NETWORK_FIELD.posEntryMode, request.posEntryMode);
  fields.set(NETWORK_FIELD.posConditionCode, request.posConditionCode);
  setMerchantFields(fields, request);
  fields.set(NETWORK_FIELD.currency, CURRENCY_CNY_FIELD);
  setOriginalFields(fields, request.kind, request.original, request.acquirerInstitutionId);
  return { mti: route.mti, fields };
}

/** 0400 reversing the message identified by the reversal's STAN and field 7 (field 90). */
export function buildReversalMessage(reversal: UpstreamReversal, identity: NetworkIdentity): NetworkMessage {
  const route = KIND_ROUTES[reversal.kind];
  assert(route.financial, 'only financial messages are reversed');
  const fields = new Map<number, FieldValue>();
  fields.set(NETWORK_FIELD.processingCode, route.processingCode);
  fields.set(NETWORK_FIELD.amount, amountFieldFromFen(reversal.amountFen));
  setIdentityFields(fields, identity);
  fields.set(NETWORK_FIELD.posConditionCode, reversal.posConditionCode);
  fields.set(NETWORK_FIELD.acquirerInstitutionId, reversal.acquirerInstitutionId);
  if (reversal.rrn !== undefined && reversal.rrn.length > 0) fields.set(NETWORK_FIELD.rrn, reversal.rrn);
  if (reversal.authCode !== undefined && reversal.authCode.length > 0) {
    fields.set(NETWORK_FIELD.authCode, reversal.authCode);
  }
  fields.set(NETWORK_FIELD.responseCode, REVERSAL_REASON_CODE[reversal.reason]);
  fields.set(NETWORK_FIELD.terminalId, reversal.terminalId);
  fields.set(NETWORK_FIELD.merchantNumber, reversal.merchantNumber);
  fields.set(NETWORK_FIELD.currency, CURRENCY_CNY_FIELD);
  fields.set(
    NETWORK_FIELD.originalDataElements,
    originalDataElements(
      reversal.kind,
      reversal.networkStan,
      reversal.transmissionDateTime,
      reversal.acquirerInstitutionId,
    ),
  );
  return { mti: '0400', fields };
}

/** 0220 advice referring to its original by field 90. */
export function buildAdviceMessage(advice: UpstreamAdvice, identity: NetworkIdentity): NetworkMessage {
  const route = KIND_ROUTES[advice.kind];
  const fields = new Map<number, FieldValue>();
  fields.set(NETWORK_FIELD.processingCode, route.processingCode);
  fields.set(NETWORK_FIELD.amount, amountFieldFromFen(advice.amountFen));
  setIdentityFields(fields, identity);
  fields.set(NETWORK_FIELD.posEntryMode, advice.posEntryMode);
  fields.set(NETWORK_FIELD.posConditionCode, advice.posConditionCode);
  setMerchantFields(fields, advice);
  fields.set(NETWORK_FIELD.rrn, advice.original.rrn);
  if (advice.original.authCode.length > 0) fields.set(NETWORK_FIELD.authCode, advice.original.authCode);
  fields.set(NETWORK_FIELD.currency, CURRENCY_CNY_FIELD);
  fields.set(
    NETWORK_FIELD.originalDataElements,
    originalDataElements(
      advice.original.kind,
      advice.original.networkStan,
      advice.original.transmissionDateTime,
      advice.acquirerInstitutionId,
    ),
  );
  return { mti: '0220', fields };
}

/** 0800 sign-on (70 = 001) or echo (70 = 301). */
export function buildManagementMessage(
  code: (typeof NETWORK_MANAGEMENT)[keyof typeof NETWORK_MANAGEMENT],
  identity: NetworkIdentity,
  acquirerInstitutionId: string,
): NetworkMessage {
  const fields = new Map<number, FieldValue>();
  fields.set(NETWORK_FIELD.transmissionDateTime, identity.transmissionDateTime);
  fields.set(NETWORK_FIELD.stan, identity.networkStan);
  fields.set(NETWORK_FIELD.acquirerInstitutionId, acquirerInstitutionId);
  fields.set(NETWORK_FIELD.networkManagementCode, code);
  return { mti: '0800', fields };
}

export function textField(message: NetworkMessage, field: number): string | undefined {
  const value = message.fields.get(field);
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return Buffer.from(value).toString('latin1');
}

function bytesField(message: NetworkMessage, field: number): Buffer | undefined {
  const value = message.fields.get(field);
  if (value === undefined) return undefined;
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return Buffer.from(value);
}

/**
 * Field 54 may carry several balances; the available balance (amount type 02) is the one a balance
 * inquiry shows, else the first entry. A malformed field loses the balance, not the answer.
 */
export function balanceFromField(value: string | undefined): Fen | undefined {
  if (value === undefined) return undefined;
  let entries: ReturnType<typeof parseBalance54>;
  try {
    entries = parseBalance54(value);
  } catch (error) {
    if (isIsoCodecError(error)) return undefined;
    throw error;
  }
  const available = entries.find((entry) => entry.amountType === AMOUNT_TYPE.available) ?? entries[0];
  return available?.amountFen;
}

const MERCHANT_NAME_LOCATION_BYTES = 40;

/**
 * Field 43 is 40 bytes. Names are Chinese, so they travel as UTF-8 cut at a character boundary and
 * padded with spaces. The codec writes text fields byte for byte as latin1, so the bytes are handed
 * over as a latin1 string.
 */
export function merchantNameLocationField(merchantName: string): string {
  const field = Buffer.alloc(MERCHANT_NAME_LOCATION_BYTES, 0x20);
  let used = 0;
  for (const character of merchantName) {
    const bytes = Buffer.from(character, 'utf8');
    if (used + bytes.length > MERCHANT_NAME_LOCATION_BYTES) break;
    bytes.copy(field, used);
    used += bytes.length;
  }
  assert(used <= MERCHANT_NAME_LOCATION_BYTES, 'field 43 stays within 40 bytes');
  return field.toString('latin1');
}

/** Maps a matched response to the caller's result; 00 is the only approval. */
export function resultFromResponse(response: NetworkMessage, identity: NetworkIdentity): UpstreamResult {
  const responseCode = textField(response, NETWORK_FIELD.responseCode) ?? '';
  const result: UpstreamResult = {
    outcome: responseCode === '00' ? 'approved' : 'declined',
    responseCode: responseCode.length === 2 ? responseCode : '30',
    networkStan: identity.networkStan,
    transmissionDateTime: identity.transmissionDateTime,
  };
  const authCode = textField(response, NETWORK_FIELD.authCode);
  if (authCode !== undefined) result.authCode = authCode.trim();
  const rrn = textField(response, NETWORK_FIELD.rrn);
  if (rrn !== undefined) result.rrn = rrn.trim();
  const balanceFen = balanceFromField(textField(response, NETWORK_FIELD.balance));
  if (balanceFen !== undefined) result.balanceFen = balanceFen;
  const iccResponse = bytesField(response, NETWORK_FIELD.iccData);
  if (iccResponse !== undefined) result.iccResponse = iccResponse;
  return result;
}

/** The reversal the connector queues for a request that timed out or was answered too late. */
export function reversalFor(
  request: UpstreamRequest,
  identity: Pick<NetworkIdentity, 'networkStan' | 'transmissionDateTime'>,
  reason: UpstreamReversalReason,
  answer?: { rrn?: string; authCode?: string },
): UpstreamReversal {
  assert(needsReversalOnTimeout(request.kind), 'non-financial kinds are never reversed');
  const reversal: UpstreamReversal = {
    txnId: request.txnId,
    reason,
    kind: request.kind,
    amountFen: request.amountFen,
    networkStan: identity.networkStan,
    transmissionDateTime: identity.transmissionDateTime,
    terminalId: request.terminalId,
    merchantNumber: request.merchantNumber,
    acquirerInstitutionId: request.acquirerInstitutionId,
    posConditionCode: request.posConditionCode,
  };
  if (answer?.rrn !== undefined) reversal.rrn = answer.rrn;
  if (answer?.authCode !== undefined) reversal.authCode = answer.authCode;
  return reversal;
}
