/**
 * Builds the response a terminal receives. Pure: the transport adds the MAC afterwards over the
 * exact packed bytes. The merchant number in field 42 is the bound merchant's, from authorization.
 */
import type { FieldValue, IsoMessage } from '@acq/iso8583';
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

function localDateTime(nowMs: number): { time: string; date: string } {
  const iso = new Date(nowMs + SHANGHAI_OFFSET_MS).toISOString(); // YYYY-MM-DDTHH:MM:SS
  return {
    time: `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`,
    date: `${iso.slice(5, 7)}${iso.slice(8, 10)}`,
  };
}

function baseResponse(request: IsoMessage, responseCode: string, acquirerId: string, nowMs: number): IsoMessage {
  const fields = new Map<number, FieldValue>();
  for (const field of ECHOED_FIELDS) {
    const value = request.fields.get(field);
    if (value !== undefined) fields.set(field, value);
  }
  const local = localDateTime(nowMs);
  fields.set(12, local.time);
  fields.set(13, local.date);
  fields.set(32, acquirerId);
  fields.set(39, responseCode);
  return { mti: responseMtiOf(request.mti), fields };
}

/** Field 54 (CUP): account type 10, amount type 02 (available), currency 156, sign, amount n12. */
export function balanceField(balanceFen: Fen): string {
  const sign = balanceFen < 0n ? 'D' : 'C';
  const magnitude = (balanceFen < 0n ? -balanceFen : balanceFen) as Fen;
  return `1002156${sign}${amountFieldFromFen(magnitude)}`;
}

export function buildAuthorizationResponse(
  request: IsoMessage,
  answer: AuthorizeResponse,
  acquirerId: string,
  nowMs: number,
): IsoMessage {
  const response = baseResponse(request, answer.responseCode, acquirerId, nowMs);
  const fields = response.fields;
  if (answer.merchantNumber.length > 0) fields.set(42, answer.merchantNumber);
  if (answer.rrn.length > 0) fields.set(37, answer.rrn);
  if (answer.authCode.length > 0) fields.set(38, answer.authCode);
  if (answer.settlementDateMmdd.length > 0) fields.set(15, answer.settlementDateMmdd);
  if (answer.balancePresent) fields.set(54, balanceField(answer.balanceFen as Fen));
  if (answer.iccResponse.length > 0) fields.set(55, Buffer.from(answer.iccResponse));
  if (request.mti === '0500') {
    fields.set(48, settlementTotalsWithResult(textField(request, 48) ?? '', answer.settlementResult));
  }
  if (request.mti === '0500' || request.mti === '0320') fields.delete(4);
  return response;
}

export function buildRefusal(request: IsoMessage, responseCode: ResponseCode, acquirerId: string, nowMs: number) {
  return baseResponse(request, responseCode, acquirerId, nowMs);
}

export function buildSignInResponse(
  request: IsoMessage,
  signedIn: { field62: Buffer; batchNumber: string; merchantNumber: string },
  acquirerId: string,
  nowMs: number,
): IsoMessage {
  const response = baseResponse(request, RESPONSE_CODE.approved, acquirerId, nowMs);
  const field60 = textField(request, 60) ?? '00000000003';
  response.fields.set(60, `${field60.slice(0, 2)}${signedIn.batchNumber}${field60.slice(8)}`);
  response.fields.set(42, signedIn.merchantNumber);
  response.fields.set(62, signedIn.field62);
  return response;
}
