/**
 * Sends the transaction to the card network with the bound merchant's number and MCC (never the
 * terminal's field 42), under the network identity recorded with the intent. The connector enforces the timeout (bounded by the remaining budget), so this
 * step is never cut off by the runner: an answer that arrives is always seen. A timeout is answered
 * 98 and the connector queues its reversal; if it could not, or if a later step aborts an approval
 * (the outcome could not be recorded, or the terminal reversed meanwhile), this step's abort queues
 * the reversal in the persistent store-and-forward queue.
 */
import { assert } from '@acq/assert';
import type { FlowDependencies } from '../../flow-dependencies.ts';
import { reversibleAtNetwork } from '../../../store/transaction-row.ts';
import { type UpstreamRequest, type UpstreamReversal, upstreamKindOf } from '../../ports.ts';
import { upstreamReversalOf } from '../../upstream-reversal.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

export const routeUpstream: Participant = {
  name: 'route-upstream',
  uninterruptible: true,
  async prepare(ctx, deps) {
    const identity = ctx.networkIdentity;
    assert(identity !== undefined, 'the network identity is reserved and recorded before the request is sent');
    const timeoutMs = Math.max(1, Math.min(deps.settings.upstreamTimeoutMs, ctx.remainingMs(deps.nowMs())));
    const result = await deps.upstream.send(upstreamRequestOf(ctx, deps), { timeoutMs, identity });
    ctx.upstreamResult = result;
    ctx.networkStan = result.networkStan;
    ctx.transmissionDateTime = result.transmissionDateTime;
    if (result.rrn !== undefined && result.rrn !== '') ctx.rrn = result.rrn;
    ctx.iccResponse = result.iccResponse ?? null;
    if (result.outcome === 'approved') {
      ctx.authCode = result.authCode ?? '';
      ctx.balanceFen = result.balanceFen ?? null;
      ctx.approve();
      return Vote.PREPARED;
    }
    if (result.outcome === 'declined') ctx.decline('issuer_declined', result.responseCode);
    else if (result.outcome === 'timeout') ctx.decline('upstream_timeout');
    else ctx.decline('upstream_unavailable');
    if (result.outcome === 'timeout' && result.reversalQueued === true) ctx.upstreamReversalQueued = true;
    // Declined and unavailable left nothing at the network; a timeout may have, so it joins for abort.
    return result.outcome === 'timeout' ? Vote.ABORTED : Vote.ABORTED | Vote.NO_JOIN;
  },
  async abort(ctx, deps) {
    if (ctx.upstreamReversalQueued) return;
    const result = ctx.upstreamResult;
    if (result === undefined || (result.outcome !== 'approved' && result.outcome !== 'timeout')) return;
    if (!reversibleAtNetwork({ kind: ctx.request.kind, networkStan: ctx.networkStan })) return;
    await deps.upstream.enqueueReversal(upstreamReversalOfContext(ctx, deps, result.outcome === 'approved'));
    ctx.upstreamReversalQueued = true;
  },
};

function upstreamRequestOf(ctx: AuthorizationContext, deps: FlowDependencies): UpstreamRequest {
  const terminal = ctx.terminal;
  assert(terminal !== undefined, 'routing needs the bound merchant');
  const request: UpstreamRequest = {
    kind: upstreamKindOf(ctx.request.kind),
    txnId: ctx.txnId,
    pan: ctx.pan,
    amountFen: ctx.request.amountFen,
    terminalId: ctx.request.terminalId,
    merchantNumber: terminal.merchantNumber,
    mcc: terminal.mcc,
    merchantName: terminal.merchantName,
    acquirerInstitutionId: deps.settings.acquirerInstitutionId,
    posEntryMode: ctx.request.posEntryMode,
    posConditionCode: ctx.request.posConditionCode,
  };
  if (ctx.expiryYymm !== '') request.expiryYymm = ctx.expiryYymm;
  if (ctx.track2 !== '') request.track2 = ctx.track2;
  if (ctx.pinBlockUnderZpk !== null) request.pinBlockUnderZpk = Buffer.from(ctx.pinBlockUnderZpk);
  if (ctx.request.iccData !== null) request.iccData = Buffer.from(ctx.request.iccData);
  const original = ctx.original;
  if (original !== undefined) {
    request.original = {
      networkStan: original.networkStan,
      transmissionDateTime: original.transmissionDateTime,
      rrn: original.rrn,
      authCode: original.authCode,
      amountFen: original.amountFen,
    };
  }
  return request;
}

function upstreamReversalOfContext(
  ctx: AuthorizationContext,
  deps: FlowDependencies,
  approved: boolean,
): UpstreamReversal {
  const terminal = ctx.terminal;
  assert(terminal !== undefined, 'a reversal names the bound merchant');
  return upstreamReversalOf(
    {
      txnId: ctx.txnId,
      kind: ctx.request.kind,
      amountFen: ctx.request.amountFen,
      networkStan: ctx.networkStan,
      transmissionDateTime: ctx.transmissionDateTime,
      terminalId: ctx.request.terminalId,
      merchantNumber: terminal.merchantNumber,
      posConditionCode: ctx.request.posConditionCode,
    },
    approved ? 'not_recorded' : 'timeout',
    deps.settings.acquirerInstitutionId,
    { rrn: ctx.rrn, authCode: ctx.authCode },
  );
}
