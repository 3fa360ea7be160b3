/**
 * Reserves the network identity (STAN + field 7) the upstream request will carry, before the intent
 * is written, so the intent row names the message from the start: if the process dies after the
 * send and before the outcome, crash recovery can still reverse it at the network. A reservation
 * the pipeline never sends (declined before routing, duplicate, abort) is given back at the end;
 * giving back one the connector sent is a no-op.
 */
import type { AuthorizationContext } from '../authorization-context.ts';
import type { FlowDependencies } from '../../flow-dependencies.ts';
import { type Participant, Vote } from '../participant.ts';
import { paysThroughWallet } from './route-scan-code-to-wallet.ts';

export const reserveNetworkIdentity: Participant = {
  name: 'reserve-network-identity',
  async prepare(ctx, deps) {
    // A wallet payment never reaches the card network, so it has nothing to reserve or reverse there.
    if (paysThroughWallet(ctx, deps)) return Vote.PREPARED | Vote.READONLY | Vote.NO_JOIN;
    const identity = deps.upstream.reserveIdentity();
    if (identity === undefined) {
      ctx.decline('upstream_unavailable');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    ctx.networkIdentity = identity;
    return Vote.PREPARED;
  },
  async commit(ctx, deps) {
    releaseUnsent(ctx, deps);
  },
  async abort(ctx, deps) {
    releaseUnsent(ctx, deps);
  },
};

function releaseUnsent(ctx: AuthorizationContext, deps: FlowDependencies): void {
  if (ctx.networkIdentity !== undefined) deps.upstream.releaseIdentity(ctx.networkIdentity);
}
