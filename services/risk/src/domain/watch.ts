/**
 * The pattern watch list links the asynchronous pattern rules back to the decision path: when a
 * pattern opens a case, the card / terminal / merchant it names is put on watch for a while and
 * every later transaction touching it is approved and flagged onto the case.
 */
import { assert } from '@acq/assert';
import type { AssessInput } from './assessment.ts';

export interface WatchKey {
  key: string;
  rule: string;
  reason: string;
}

export type WatchSubject = 'card' | 'terminal' | 'merchant';

const SUBJECT_LETTER: Record<WatchSubject, string> = { card: 'c', terminal: 't', merchant: 'm' };

export function watchKey(subject: WatchSubject, id: string): string {
  assert(id.length > 0, 'watched subjects have an id');
  return `watch:${SUBJECT_LETTER[subject]}:${id}`;
}

export function watchKeysFor(input: AssessInput): WatchKey[] {
  const keys: WatchKey[] = [];
  if (input.cardToken !== '') {
    keys.push({
      key: watchKey('card', input.cardToken),
      rule: 'pattern.watch.card',
      reason: 'card is under a risk case',
    });
  }
  if (input.terminal.terminalId !== '') {
    keys.push({
      key: watchKey('terminal', input.terminal.terminalId),
      rule: 'pattern.watch.terminal',
      reason: 'terminal is under a risk case',
    });
  }
  if (input.terminal.merchantId !== '') {
    keys.push({
      key: watchKey('merchant', input.terminal.merchantId),
      rule: 'pattern.watch.merchant',
      reason: 'merchant is under a risk case',
    });
  }
  return keys;
}
