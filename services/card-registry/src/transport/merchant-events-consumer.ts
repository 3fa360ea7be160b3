/**
 * Consumes merchant.events: a MerchantChanged with change `created` (an application was approved) binds
 * the card the application asked for. Other events are acknowledged without work. The handler runs in
 * the bus consumer's transaction, so a redelivered event finds the bind already handled.
 */
import type { BusEvent, EventHandler } from '@acq/bus';
import { MerchantChanged } from '@acq/proto/merchant/v1/merchant.ts';
import { bindOnApproval } from '../flows/bind-on-approval.ts';
import type { CardRegistryDeps } from '../flows/ports.ts';

export const MERCHANT_EVENTS_TOPIC = 'merchant.events';
export const MERCHANT_CHANGED_TYPE = 'acquirer.merchant.v1.MerchantChanged';
export const CONSUMER_GROUP = 'card-registry.onboarding-bind';

export function merchantEventsHandler(deps: CardRegistryDeps): EventHandler {
  return async (event: BusEvent, client) => {
    if (event.type !== MERCHANT_CHANGED_TYPE) return;
    const changed = MerchantChanged.decode(event.payload);
    if (changed.change !== 'created') return;
    const result = await bindOnApproval(deps, client, changed.merchantId);
    deps.logger.info({ merchantId: changed.merchantId, eventId: event.id, result }, 'onboarding settlement card bind');
  };
}
