/**
 * Field 60 (n..30): 60.1 transaction type n2, 60.2 batch number n6, 60.3 network management code n3
 * (000 in financial messages; 001/003/004 sign-in, 201 settlement, 301 echo ...), then optional
 * single-digit 60.4 terminal read capability, 60.5 IC condition code, 60.6 partial approval support,
 * 60.7 account type n3, and whatever a vendor appends after them (kept verbatim in `rest`).
 * Terminals that send only 60.1 + 60.2 (8 digits) are accepted with an empty 60.3.
 */
import { IsoCodecError } from '../errors.ts';
import { isDigitString, requireDigits, requireDigitsUpTo } from './digits.ts';

const FIELD_60 = 60;
const FIELD_60_DIGITS_MAX = 30;
const HEAD_DIGITS_MIN = 8;

export interface Field60 {
  transactionTypeCode: string;
  batchNumber: string;
  /** 60.3, or '' when the terminal sent only 60.1 and 60.2. */
  networkManagementCode: string;
  /** 60.4 .. 60.6 and beyond: '' when absent. */
  terminalReadCapability: string;
  icConditionCode: string;
  partialApprovalCode: string;
  /** Digits after 60.6 (60.7 account type and vendor extensions), verbatim. */
  rest: string;
}

export function parseField60(value: string): Field60 {
  if (value.length < HEAD_DIGITS_MIN || value.length > FIELD_60_DIGITS_MAX || !isDigitString(value)) {
    throw new IsoCodecError(
      'BAD_SUBFIELD',
      FIELD_60,
      0,
      `field 60 needs ${HEAD_DIGITS_MIN}-${FIELD_60_DIGITS_MAX} digits`,
    );
  }
  if (value.length > HEAD_DIGITS_MIN && value.length < 11) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_60, HEAD_DIGITS_MIN, '60.3 is 3 digits');
  }
  return {
    transactionTypeCode: value.slice(0, 2),
    batchNumber: value.slice(2, 8),
    networkManagementCode: value.slice(8, 11),
    terminalReadCapability: value.slice(11, 12),
    icConditionCode: value.slice(12, 13),
    partialApprovalCode: value.slice(13, 14),
    rest: value.slice(14),
  };
}

export type Field60Input = Pick<Field60, 'transactionTypeCode' | 'batchNumber'> &
  Partial<Omit<Field60, 'transactionTypeCode' | 'batchNumber'>>;

export function buildField60(parts: Field60Input): string {
  const optional = [
    requireDigitsUpTo(parts.terminalReadCapability ?? '', 1, FIELD_60, '60.4'),
    requireDigitsUpTo(parts.icConditionCode ?? '', 1, FIELD_60, '60.5'),
    requireDigitsUpTo(parts.partialApprovalCode ?? '', 1, FIELD_60, '60.6'),
  ];
  const rest = requireDigitsUpTo(parts.rest ?? '', FIELD_60_DIGITS_MAX, FIELD_60, '60 rest');
  // A later sub-field cannot be sent without the earlier ones: the positions would shift.
  const firstEmpty = optional.indexOf('');
  const laterPresent = firstEmpty >= 0 && (optional.slice(firstEmpty).some((part) => part !== '') || rest !== '');
  const networkCode = parts.networkManagementCode ?? '000';
  if (laterPresent) throw new IsoCodecError('BAD_SUBFIELD', FIELD_60, 0, 'sub-fields after a missing one');
  const value =
    requireDigits(parts.transactionTypeCode, 2, FIELD_60, '60.1') +
    requireDigits(parts.batchNumber, 6, FIELD_60, '60.2') +
    requireDigits(networkCode, 3, FIELD_60, '60.3') +
    optional.join('') +
    rest;
  if (value.length > FIELD_60_DIGITS_MAX) throw new IsoCodecError('BAD_SUBFIELD', FIELD_60, 0, 'field 60 too long');
  return value;
}
