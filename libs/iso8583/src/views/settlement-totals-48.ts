/**
 * Field 48 of batch settlement (0500/0510), as CUP POS terminals send it: for domestic cards
 * (内卡) debit total amount n12, debit count n3, credit total amount n12, credit count n3 and a
 * settlement result code n1 (0 in the request; 1 balanced, 2 not balanced, 3 error in the reply),
 * then the same 31 digits for foreign cards (外卡). Terminals without foreign acquiring send only
 * the 31 domestic digits. Amounts are fen; "debit" counts purchases and completions, "credit"
 * refunds and voids, as the terminal totals them.
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import { IsoCodecError } from '../errors.ts';
import { isDigitString, requireDigits } from './digits.ts';

const FIELD_48 = 48;
export const SETTLEMENT_SIDE_DIGITS = 31;
const AMOUNT_DIGITS = 12;
const COUNT_DIGITS = 3;
const COUNT_MAX = 999;

export const SETTLEMENT_RESULT_CODE = { request: '0', balanced: '1', notBalanced: '2', error: '3' } as const;

export interface SettlementTotalsSide {
  debitAmountFen: Fen;
  debitCount: number;
  creditAmountFen: Fen;
  creditCount: number;
  resultCode: string;
}

export interface SettlementTotals48 {
  domestic: SettlementTotalsSide;
  foreign?: SettlementTotalsSide;
}

function parseSide(value: string, start: number): SettlementTotalsSide {
  let offset = start;
  const take = (digits: number) => {
    const part = value.slice(offset, offset + digits);
    offset += digits;
    return part;
  };
  const side = {
    debitAmountFen: fen(BigInt(take(AMOUNT_DIGITS))),
    debitCount: Number(take(COUNT_DIGITS)),
    creditAmountFen: fen(BigInt(take(AMOUNT_DIGITS))),
    creditCount: Number(take(COUNT_DIGITS)),
    resultCode: take(1),
  };
  assert(offset === start + SETTLEMENT_SIDE_DIGITS, 'settlement side width');
  return side;
}

export function parseSettlementTotals48(value: string): SettlementTotals48 {
  const validLength = value.length === SETTLEMENT_SIDE_DIGITS || value.length === SETTLEMENT_SIDE_DIGITS * 2;
  if (!validLength || !isDigitString(value)) {
    throw new IsoCodecError(
      'BAD_SUBFIELD',
      FIELD_48,
      0,
      `settlement totals are ${SETTLEMENT_SIDE_DIGITS} or 62 digits`,
    );
  }
  const totals: SettlementTotals48 = { domestic: parseSide(value, 0) };
  if (value.length > SETTLEMENT_SIDE_DIGITS) totals.foreign = parseSide(value, SETTLEMENT_SIDE_DIGITS);
  return totals;
}

function buildAmount(amountFen: Fen): string {
  if (amountFen < 0n || amountFen > 999_999_999_999n) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_48, 0, 'total amount outside n12');
  }
  return amountFen.toString().padStart(AMOUNT_DIGITS, '0');
}

function buildCount(count: number): string {
  if (!Number.isInteger(count) || count < 0 || count > COUNT_MAX) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_48, 0, 'total count outside n3');
  }
  return String(count).padStart(COUNT_DIGITS, '0');
}

function buildSide(side: SettlementTotalsSide): string {
  const text =
    buildAmount(side.debitAmountFen) +
    buildCount(side.debitCount) +
    buildAmount(side.creditAmountFen) +
    buildCount(side.creditCount) +
    requireDigits(side.resultCode, 1, FIELD_48, 'settlement result code');
  assert(text.length === SETTLEMENT_SIDE_DIGITS, 'settlement side width');
  return text;
}

export function buildSettlementTotals48(totals: SettlementTotals48): string {
  return buildSide(totals.domestic) + (totals.foreign === undefined ? '' : buildSide(totals.foreign));
}
