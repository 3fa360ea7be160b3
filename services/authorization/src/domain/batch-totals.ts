/**
 * Batch settlement (0500): the terminal's totals (field 48) against the host's totals for the same
 * terminal and batch. Field 48's result digit: 1 balanced, 2 not balanced (the terminal then uploads
 * its records with 0320).
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export interface BatchTotals {
  readonly debitAmountFen: Fen;
  readonly debitCount: number;
  readonly creditAmountFen: Fen;
  readonly creditCount: number;
}

export const SETTLEMENT_RESULT_BALANCED = 1;
export const SETTLEMENT_RESULT_NOT_BALANCED = 2;
export type SettlementResult = typeof SETTLEMENT_RESULT_BALANCED | typeof SETTLEMENT_RESULT_NOT_BALANCED;

export function compareBatchTotals(terminal: BatchTotals, host: BatchTotals): SettlementResult {
  assert(host.debitCount >= 0 && host.creditCount >= 0, 'host counts are never negative');
  assert(host.debitAmountFen >= 0n && host.creditAmountFen >= 0n, 'host totals are never negative');
  const balanced =
    terminal.debitAmountFen === host.debitAmountFen &&
    terminal.debitCount === host.debitCount &&
    terminal.creditAmountFen === host.creditAmountFen &&
    terminal.creditCount === host.creditCount;
  return balanced ? SETTLEMENT_RESULT_BALANCED : SETTLEMENT_RESULT_NOT_BALANCED;
}
