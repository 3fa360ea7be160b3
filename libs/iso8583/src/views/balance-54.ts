/**
 * Field 54, additional amounts (balances), as 20-character entries: account type n2, amount type n2
 * (01 ledger, 02 available), currency n3, sign C (credit, positive) or D (debit, negative), amount
 * n12 in fen. CUP POS carries one entry (an..20); the network link up to six (an..120).
 */
import { type Fen, fen } from '@acq/money';
import { IsoCodecError } from '../errors.ts';
import { isDigitString, requireDigits } from './digits.ts';

const FIELD_54 = 54;
export const BALANCE_ENTRY_CHARS = 20;
export const BALANCE_ENTRIES_MAX = 6;
export const AMOUNT_TYPE = { ledger: '01', available: '02' } as const;

export interface BalanceEntry {
  accountType: string;
  amountType: string;
  currencyCode: string;
  /** Signed: a D (debit) balance is negative. */
  amountFen: Fen;
}

export function parseBalance54(value: string): BalanceEntry[] {
  if (value.length === 0 || value.length % BALANCE_ENTRY_CHARS !== 0) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_54, 0, `balances are ${BALANCE_ENTRY_CHARS}-character entries`);
  }
  const count = value.length / BALANCE_ENTRY_CHARS;
  if (count > BALANCE_ENTRIES_MAX) throw new IsoCodecError('BAD_SUBFIELD', FIELD_54, 0, 'too many balance entries');
  const entries: BalanceEntry[] = [];
  for (let index = 0; index < count; index++) {
    const start = index * BALANCE_ENTRY_CHARS;
    const entry = value.slice(start, start + BALANCE_ENTRY_CHARS);
    const sign = entry.charAt(7);
    const digitsValid = isDigitString(entry.slice(0, 7)) && isDigitString(entry.slice(8));
    if (!digitsValid || (sign !== 'C' && sign !== 'D')) {
      throw new IsoCodecError('BAD_SUBFIELD', FIELD_54, start, 'malformed balance entry');
    }
    const magnitude = BigInt(entry.slice(8));
    entries.push({
      accountType: entry.slice(0, 2),
      amountType: entry.slice(2, 4),
      currencyCode: entry.slice(4, 7),
      amountFen: fen(sign === 'D' ? -magnitude : magnitude),
    });
  }
  return entries;
}

export function buildBalance54(entries: readonly BalanceEntry[]): string {
  if (entries.length === 0 || entries.length > BALANCE_ENTRIES_MAX) {
    throw new IsoCodecError('BAD_SUBFIELD', FIELD_54, 0, `1-${BALANCE_ENTRIES_MAX} balance entries`);
  }
  let text = '';
  for (const entry of entries) {
    const magnitude = entry.amountFen < 0n ? -entry.amountFen : entry.amountFen;
    if (magnitude > 999_999_999_999n)
      throw new IsoCodecError('BAD_SUBFIELD', FIELD_54, text.length, 'amount outside n12');
    text +=
      requireDigits(entry.accountType, 2, FIELD_54, 'account type') +
      requireDigits(entry.amountType, 2, FIELD_54, 'amount type') +
      requireDigits(entry.currencyCode, 3, FIELD_54, 'currency code') +
      (entry.amountFen < 0n ? 'D' : 'C') +
      magnitude.toString().padStart(12, '0');
  }
  return text;
}
