/**
 * Field 48 of a 0500/0510 batch settlement (CUP POS): for domestic cards, debit amount n12, debit
 * count n3, credit amount n12, credit count n3, result n1; the same 31 digits again for foreign
 * cards. The terminal sends result 0; the host answers 1 (balanced) or 2 (not balanced).
 */
import type { SettlementTotals } from '@acq/proto/authorization/v1/authorization.ts';

const DOMESTIC_DIGITS = 31;
const TOTALS_DIGITS = 2 * DOMESTIC_DIGITS;
const DIGITS = /^[0-9]+$/;

export function parseSettlementTotals(field48: string | undefined): SettlementTotals | undefined {
  if (field48 === undefined || field48.length < DOMESTIC_DIGITS || !DIGITS.test(field48)) return undefined;
  return {
    debitAmountFen: BigInt(field48.slice(0, 12)),
    debitCount: Number(field48.slice(12, 15)),
    creditAmountFen: BigInt(field48.slice(15, 27)),
    creditCount: Number(field48.slice(27, 30)),
  };
}

/** The 0510's field 48: the terminal's totals echoed with the host's result digit. */
export function settlementTotalsWithResult(field48: string, result: number): string {
  const padded = field48.padEnd(TOTALS_DIGITS, '0').slice(0, TOTALS_DIGITS);
  return `${padded.slice(0, 30)}${result}${padded.slice(31, 61)}${result}`;
}
