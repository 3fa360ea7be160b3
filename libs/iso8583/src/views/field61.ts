/**
 * Field 61 (n..29), original transaction data for voids, refunds and completions: 61.1 original
 * batch n6, 61.2 original trace (STAN) n6, 61.3 original date MMDD n4 (absent in voids), then
 * vendor data such as the original authorization method and institution, kept verbatim in `rest`.
 */
import { IsoCodecError } from '../errors.ts';
import { isDigitString, requireDigits, requireDigitsUpTo } from './digits.ts';

const FIELD_61 = 61;
const FIELD_61_DIGITS_MAX = 29;

export interface Field61 {
  originalBatchNumber: string;
  originalTrace: string;
  /** MMDD, or '' when absent. */
  originalDate: string;
  rest: string;
}

export function parseField61(value: string): Field61 {
  if (value.length < 12 || value.length > FIELD_61_DIGITS_MAX || !isDigitString(value)) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_61, 0, `field 61 needs 12-${FIELD_61_DIGITS_MAX} digits`);
  }
  if (value.length > 12 && value.length < 16) throw new IsoCodecError('BAD_SUBFIELD', FIELD_61, 12, '61.3 is MMDD');
  return {
    originalBatchNumber: value.slice(0, 6),
    originalTrace: value.slice(6, 12),
    originalDate: value.slice(12, 16),
    rest: value.slice(16),
  };
}

export function buildField61(parts: Pick<Field61, 'originalBatchNumber' | 'originalTrace'> & Partial<Field61>): string {
  const date = parts.originalDate ?? '';
  const rest = requireDigitsUpTo(parts.rest ?? '', FIELD_61_DIGITS_MAX, FIELD_61, '61 rest');
  if (date === '' && rest !== '') throw new IsoCodecError('BAD_SUBFIELD', FIELD_61, 12, 'rest without 61.3');
  const value =
    requireDigits(parts.originalBatchNumber, 6, FIELD_61, '61.1') +
    requireDigits(parts.originalTrace, 6, FIELD_61, '61.2') +
    (date === '' ? '' : requireDigits(date, 4, FIELD_61, '61.3')) +
    rest;
  if (value.length > FIELD_61_DIGITS_MAX) throw new IsoCodecError('BAD_SUBFIELD', FIELD_61, 0, 'field 61 too long');
  return value;
}
