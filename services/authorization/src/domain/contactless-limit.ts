/**
 * QuickPass small-amount rule: a contactless payment up to the no-PIN limit (inclusive) needs no PIN;
 * above it the cardholder must enter one. Other entry methods are not affected by this rule.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { EntryMethod } from './entry-mode.ts';

export function contactlessPinRequired(
  entryMethod: EntryMethod,
  amountFen: Fen,
  pinPresent: boolean,
  noPinLimitFen: Fen,
): boolean {
  assert(noPinLimitFen >= 0n, 'the no-PIN limit is never negative');
  assert(amountFen >= 0n, 'amounts are never negative');
  if (entryMethod !== 'contactless') return false;
  if (pinPresent) return false;
  return amountFen > noPinLimitFen;
}
