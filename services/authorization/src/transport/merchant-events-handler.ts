/**
 * merchant.events -> terminal context cache invalidation. Every replica consumes with its own group
 * (its cache is its own); other event types on the topic are ignored.
 */
import type { BusEvent } from '@acq/bus';
import { MerchantChanged, TerminalChanged } from '@acq/proto/merchant/v1/merchant.ts';
import type { TerminalContextCache } from './terminal-context-cache.ts';

export const MERCHANT_EVENTS_TOPIC = 'merchant.events';
const MERCHANT_CHANGED_TYPE = 'acquirer.merchant.v1.MerchantChanged';
const TERMINAL_CHANGED_TYPE = 'acquirer.merchant.v1.TerminalChanged';

export function merchantEventsHandler(cache: TerminalContextCache): (event: BusEvent) => Promise<void> {
  return async (event) => {
    if (event.type === TERMINAL_CHANGED_TYPE) {
      const changed = TerminalChanged.decode(event.payload);
      cache.invalidateTerminal(changed.terminalId, changed.contextVersion);
      return;
    }
    if (event.type === MERCHANT_CHANGED_TYPE) {
      const changed = MerchantChanged.decode(event.payload);
      cache.invalidateMerchant(changed.merchantId);
    }
  };
}
