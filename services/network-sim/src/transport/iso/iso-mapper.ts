/**
 * ISO 8583 network messages (cupNetworkSpec, indexed form) to the issuer flow's requests and back. Which
 * operation a message is follows the network's MTI / processing code / field 90 conventions:
 * 0100 030000 pre-auth, 0100 20xxxx pre-auth void, 0200 310000 balance inquiry, 0200 000000
 * purchase (completion when field 90 names a 0100 or field 25 is 06), 0200 200000 void (which void
 * follows from the original), 0220 200000 refund advice, 0400/0420 reversal, 0800/0820 network
 * management. Follow-ups carry the original's RRN in 37 and auth code in 38.
 */
import { cupNetworkSpec, type FieldValue, type IndexedIsoMessage } from '@acq/iso8583';
import { type Fen, fenFromAmountField } from '@acq/money';
import type { IssuerOperation, TransactionKeys } from '../../domain/issuer.ts';
import { RESPONSE_CODES, type ResponseCode } from '../../domain/response-codes.ts';
import type { NetworkRequest, NetworkResponse, OriginalReference, ReversalRequest } from '../../flows/issuer-flow.ts';

export type MappedMessage =
  | { readonly kind: 'financial'; readonly request: NetworkRequest }
  | { readonly kind: 'reversal'; readonly request: ReversalRequest }
  | { readonly kind: 'management' }
  | { readonly kind: 'invalid'; readonly responseCode: ResponseCode };

const PREAUTH_CONDITION_CODE = '06';
const ECHOED_FIELDS = [3, 4, 7, 11, 12, 13, 25, 32, 41, 42, 49, 70, 90] as const;

function text(message: IndexedIsoMessage, field: number): string | undefined {
  const value = message.fieldValues[field];
  return typeof value === 'string' ? value : undefined;
}

/** PAN from field 2, or from track 2 (field 35) before the separator. */
export function panOf(message: IndexedIsoMessage): string | undefined {
  const pan = text(message, 2);
  if (pan !== undefined) return pan;
  const track = text(message, 35);
  if (track === undefined) return undefined;
  const separator = track.search(/[=D]/);
  return separator > 0 ? track.slice(0, separator) : undefined;
}

function expiryOf(message: IndexedIsoMessage): string | undefined {
  const expiry = text(message, 14);
  if (expiry !== undefined) return expiry;
  const track = text(message, 35);
  if (track === undefined) return undefined;
  const separator = track.search(/[=D]/);
  const fromTrack = separator > 0 ? track.slice(separator + 1, separator + 5) : '';
  return /^[0-9]{4}$/.test(fromTrack) ? fromTrack : undefined;
}

function operationOf(mti: string, processingCode: string, message: IndexedIsoMessage): IssuerOperation | undefined {
  const type = processingCode.slice(0, 2);
  const originalMti = text(message, 90)?.slice(0, 4);
  if (mti === '0100') return type === '03' ? 'preAuth' : type === '20' ? 'preAuthVoid' : undefined;
  if (mti === '0220') return type === '20' ? 'refund' : undefined;
  if (mti !== '0200') return undefined;
  if (type === '31') return 'balanceInquiry';
  if (type === '20') return 'void';
  if (type !== '00') return undefined;
  const completion = originalMti === '0100' || text(message, 25) === PREAUTH_CONDITION_CODE;
  return completion ? 'completion' : 'purchase';
}

function keysOf(message: IndexedIsoMessage, rrn: string): TransactionKeys | undefined {
  const stan = text(message, 11);
  const transmissionDateTime = text(message, 7);
  const terminalId = text(message, 41);
  const merchantId = text(message, 42);
  if (
    stan === undefined ||
    transmissionDateTime === undefined ||
    terminalId === undefined ||
    merchantId === undefined
  ) {
    return undefined;
  }
  return { stan, transmissionDateTime, terminalId, merchantId, rrn, acquirerId: text(message, 32) ?? '' };
}

function originalOf(message: IndexedIsoMessage): OriginalReference | undefined {
  const field90 = text(message, 90);
  const rrn = text(message, 37);
  if (field90 === undefined && rrn === undefined) return undefined;
  return {
    stan: field90?.slice(4, 10),
    transmissionDateTime: field90?.slice(10, 20),
    rrn,
    authCode: text(message, 38),
  };
}

export function mapRequest(message: IndexedIsoMessage): MappedMessage {
  const mti = message.mti;
  if (mti === '0800' || mti === '0820') return { kind: 'management' };
  if (mti === '0400' || mti === '0420') {
    const keys = keysOf(message, text(message, 37) ?? '');
    if (keys === undefined) return { kind: 'invalid', responseCode: RESPONSE_CODES.formatError };
    return { kind: 'reversal', request: { keys, original: originalOf(message) } };
  }
  const processingCode = text(message, 3) ?? '';
  const operation = operationOf(mti, processingCode, message);
  if (operation === undefined) return { kind: 'invalid', responseCode: RESPONSE_CODES.invalidTransaction };
  const followUp = operation !== 'purchase' && operation !== 'balanceInquiry' && operation !== 'preAuth';
  const keys = keysOf(message, followUp ? '' : (text(message, 37) ?? ''));
  const pan = panOf(message);
  const amountFen = amountOf(message, operation);
  if (keys === undefined || pan === undefined || amountFen === undefined) {
    return { kind: 'invalid', responseCode: RESPONSE_CODES.formatError };
  }
  const pinBlock = message.fieldValues[52];
  return {
    kind: 'financial',
    request: {
      mti,
      processingCode,
      operation,
      pan,
      expiry: expiryOf(message),
      pinBlock: pinBlock instanceof Uint8Array ? pinBlock : undefined,
      amountFen,
      keys,
      original: followUp ? originalOf(message) : undefined,
    },
  };
}

function amountOf(message: IndexedIsoMessage, operation: IssuerOperation): Fen | undefined {
  const field = text(message, 4);
  if (field === undefined) return operation === 'balanceInquiry' ? (0n as Fen) : undefined;
  return fenFromAmountField(field);
}

/** MTI of the answer: request class + 10 (0200 -> 0210, 0420 -> 0430). */
export function responseMti(requestMti: string): string {
  return (Number.parseInt(requestMti, 10) + 10).toString().padStart(4, '0');
}

/** The answer skeleton: response MTI, echoed fields and field 39 (indexed: no Map per message). */
export function baseResponse(request: IndexedIsoMessage, responseCode: ResponseCode): IndexedIsoMessage {
  const fieldValues = new Array<FieldValue | undefined>(cupNetworkSpec.fieldNumberMax + 1);
  for (const field of ECHOED_FIELDS) fieldValues[field] = request.fieldValues[field];
  fieldValues[2] = text(request, 2);
  fieldValues[39] = responseCode;
  return { mti: responseMti(request.mti), fieldValues };
}

/** CUP additional amount: account type 00, amount type 02 (available), currency 156, sign, 12 digits. */
export function availableBalanceField(availableFen: Fen): string {
  const sign = availableFen < 0n ? 'D' : 'C';
  const magnitude = availableFen < 0n ? -availableFen : availableFen;
  return `0002156${sign}${magnitude.toString().padStart(12, '0')}`;
}

export function financialResponse(
  request: IndexedIsoMessage,
  operation: IssuerOperation,
  outcome: NetworkResponse,
): IndexedIsoMessage {
  const response = baseResponse(request, outcome.responseCode);
  const fieldValues = response.fieldValues;
  fieldValues[15] = outcome.clearingDate.slice(4);
  if (outcome.rrn.length === 12) fieldValues[37] = outcome.rrn;
  if (outcome.authCode !== undefined) fieldValues[38] = outcome.authCode;
  if (
    operation === 'balanceInquiry' &&
    outcome.availableFen !== undefined &&
    outcome.responseCode === RESPONSE_CODES.approved
  ) {
    fieldValues[54] = availableBalanceField(outcome.availableFen);
  }
  return response;
}
