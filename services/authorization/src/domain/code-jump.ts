/**
 * 跳码 detection: the merchant number a terminal sends in field 42 must equal its bound merchant's.
 * Upstream always receives the bound merchant's number and MCC regardless; a mismatch is an attempt
 * to route under another merchant (or MCC) and is declined and recorded.
 */
import { assert } from '@acq/assert';

export function isCodeJumpAttempt(merchantNumberFromTerminal: string, boundMerchantNumber: string): boolean {
  assert(boundMerchantNumber.length === 15, 'bound merchant numbers are 15 characters');
  // Terminals that omit field 42 (some 0400/0500 messages) claim nothing, so they cannot jump.
  if (merchantNumberFromTerminal.trim() === '') return false;
  return merchantNumberFromTerminal.trim() !== boundMerchantNumber;
}
