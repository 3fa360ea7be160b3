/**
 * Upstream network connector and store-and-forward queue: the only module of the authorization
 * service that speaks to the card network. Migration 500 creates its SAF table.
 */
export {
  parseAddress,
  createUpstreamConnector,
  type UpstreamConnector,
  type UpstreamConnectorOptions,
  type UpstreamSendOptions,
} from './upstream-connector.ts';
export { type NetworkMac, networkMacFromHsm } from './network-codec.ts';
export { resolveUpstreamLimits, UPSTREAM_LIMITS, type UpstreamLimits } from './limits.ts';
export {
  REVERSAL_ACK_CODES,
  ADVICE_ACK_CODES,
  reversalFor,
  routeOf,
  needsReversalOnTimeout,
} from './network-message.ts';
export {
  ADVICE_REASONS,
  REVERSAL_REASONS,
  STAND_IN_DEFAULT,
  type NetworkIdentity,
  type StandInPolicy,
  UPSTREAM_KINDS,
  type UpstreamAdvice,
  type UpstreamAdviceReason,
  type UpstreamKind,
  type UpstreamLogger,
  type UpstreamMeter,
  type UpstreamOriginal,
  type UpstreamOutcome,
  type UpstreamRequest,
  type UpstreamResult,
  type UpstreamReversal,
  type UpstreamReversalReason,
  type UpstreamStats,
} from './types.ts';
