/**
 * Builds the response a terminal receives. Pure: the transport adds the MAC afterwards over the
 * exact packed bytes. The merchant number in field 42 is the bound merchant's, from authorization.
 */
import { cupPosSpec, type FieldValue, type IndexedIsoMessage } from '@acq/iso8583';
import { amountFieldFromFen, type Fen } from '@acq/money';
import type { AuthorizeResponse } from '@acq/proto/authorization/v1/authorization.ts';
import { RESPONSE_CODE, type ResponseCode, responseMtiOf } from '@acq/terminal-protocol';
import { settlementTotalsWithResult } from './settlement-totals.ts';
import { textField } from './terminal-request.ts';

/** Request fields a response repeats unchanged (CUP POS response layouts). */
const ECHOED_FIELDS = [2, 3, 4, 11, 14, 23, 25, 41, 42, 49, 60, 61] as const;
/** China has one time zone and no daylight saving: local time is UTC+8. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export interface ResponseClock {
  nowMs: number;
}

/** Local time and date of the last second asked for: answers within one second share them. */
let localSecond = Number.NaN;
let localTime = '';
let localDate = '';

function localDateTime(nowMs: number): { time: string; date: string } {
  const second = Math.floor(nowMs / 1000);
  if (second !== localSecond) {
    const iso = new Date(nowMs + SHANGHAI_OFFSET_MS).toISOString(); // YYYY-MM-DDTHH:MM:SS
    localTime = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
    localDate = `${iso.slice(5, 7)}${iso.slice(8, 10)}`;
    localSecond = second;
  }
  return { time: localTime, date: localDate };
}

function baseResponse(
  request: IndexedIsoMessage,
  responseCode: string,
  acquirerId: string,
  nowMs: number,
): IndexedIsoMessage {
  // Indexed form: the hot path builds no Map per message.
  const fields = new Array<FieldValue | undefined>(cupPosSpec.fieldNumberMax + 1);
  for (const field of ECHOED_FIELDS) fields[field] = request.fieldValues[field];
  const local = localDateTime(nowMs);
  fields[12] = local.time;
  fields[13] = local.date;
  fields[32] = acquirerId;
  fields[39] = responseCode;
  return { mti: responseMtiOf(request.mti), fieldValues: fields };
}

/** Field 54 (CUP): account type 10, amount type 02 (available), currency 156, sign, amount n12. */
/** protobuf bytes arrive as a Uint8Array (often already a Buffer): a view, not a copy. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function balanceField(balanceFen: Fen): string {
  const sign = balanceFen < 0n ? 'D' : 'C';
  const magnitude = (balanceFen < 0n ? -balanceFen : balanceFen) as Fen;
  return `1002156${sign}${amountFieldFromFen(magnitude)}`;
}

export function buildAuthorizationResponse(
  request: IndexedIsoMessage,
  answer: AuthorizeResponse,
  acquirerId: string,
  nowMs: number,
): IndexedIsoMessage {
  const response = baseResponse(request, answer.responseCode, acquirerId, nowMs);
  const fields = response.fieldValues;
  if (answer.merchantNumber.length > 0) fields[42] = answer.merchantNumber;
  if (answer.rrn.length > 0) fields[37] = answer.rrn;
  if (answer.authCode.length > 0) fields[38] = answer.authCode;
  if (answer.settlementDateMmdd.length > 0) fields[15] = answer.settlementDateMmdd;
  if (answer.balancePresent) fields[54] = balanceField(answer.balanceFen as Fen);
  if (answer.iccResponse.length > 0) fields[55] = toBuffer(answer.iccResponse);
  if (request.mti === '0500') {
    fields[48] = settlementTotalsWithResult(textField(request, 48) ?? '', answer.settlementResult);
  }
  if (request.mti === '0500' || request.mti === '0320') fields[4] = undefined;
  return response;
}

export function buildRefusal(
  request: IndexedIsoMessage,
  responseCode: ResponseCode,
  acquirerId: string,
  nowMs: number,
) {
  return baseResponse(request, responseCode, acquirerId, nowMs);
}

export function buildSignInResponse(
  request: IndexedIsoMessage,
  signedIn: { field62: Buffer; batchNumber: string; merchantNumber: string },
  acquirerId: string,
  nowMs: number,
): IndexedIsoMessage {
  const response = baseResponse(request, RESPONSE_CODE.approved, acquirerId, nowMs);
  const field60 = textField(request, 60) ?? '00000000003';
  response.fieldValues[60] = `${field60.slice(0, 2)}${signedIn.batchNumber}${field60.slice(8)}`;
  response.fieldValues[42] = signedIn.merchantNumber;
  response.fieldValues[62] = signedIn.field62;
  return response;
}
