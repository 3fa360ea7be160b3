/** The 15-digit merchant number: acquirer code (3) + area code (4) + MCC (4) + sequence (4). */
import { assert } from '@acq/assert';

export const MERCHANT_NUMBER_SEQUENCE_MAX = 9999;
const ACQUIRER_CODE_PATTERN = /^[0-9]{3}$/;
const AREA_CODE_PATTERN = /^[0-9]{4}$/;
const MCC_PATTERN = /^[0-9]{4}$/;

export function isValidAreaCode(text: string): boolean {
  return AREA_CODE_PATTERN.test(text) && text !== '0000';
}

export function isWellFormedMcc(text: string): boolean {
  return MCC_PATTERN.test(text);
}

export function isValidAcquirerCode(text: string): boolean {
  return ACQUIRER_CODE_PATTERN.test(text);
}

/** The first 11 digits, shared by every merchant of one acquirer, area and MCC. */
export function merchantNumberPrefix(acquirerCode: string, areaCode: string, mcc: string): string {
  assert(isValidAcquirerCode(acquirerCode), 'acquirer code is 3 digits');
  assert(isValidAreaCode(areaCode), 'area code is 4 digits');
  assert(isWellFormedMcc(mcc), 'MCC is 4 digits');
  return `${acquirerCode}${areaCode}${mcc}`;
}

export function buildMerchantNumber(prefix: string, sequence: number): string {
  assert(prefix.length === 11, 'merchant number prefix is 11 digits');
  assert(Number.isInteger(sequence) && sequence >= 1, 'sequence starts at 1');
  assert(sequence <= MERCHANT_NUMBER_SEQUENCE_MAX, 'sequence fits 4 digits');
  const merchantNumber = `${prefix}${String(sequence).padStart(4, '0')}`;
  assert(/^[0-9]{15}$/.test(merchantNumber), 'merchant number is 15 digits');
  return merchantNumber;
}
