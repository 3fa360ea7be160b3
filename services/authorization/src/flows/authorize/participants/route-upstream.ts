/**
 * Sends the transaction to the card network with the bound merchant's number and MCC. A timeout is
 * answered 98; whenever the network may hold an approval we will not honour (timeout, or any later
 * abort), the reversal goes into the connector's persistent store-and-forward queue.
 */
import { assert } from '@acq/assert';
import { fen } from '@acq/money';
import { type UpstreamRequest, type UpstreamReversal, upstreamKindOf } from '../../ports.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

/** The runner's cut-off sits just after the connector's own timeout, so the connector answers first. */
const UPSTREAM_STEP_MARGIN_MS = 250;
const REVERSAL_REASON_NO_RESPONSE = '98';
const REVERSAL_REASON_HOST_ABORT = '96';

export const routeUpstream: Participant = {
  name: 'route-upstream',
  stepTimeoutMs: (deps) => deps.settings.upstreamTimeoutMs + UPSTREAM_STEP_MARGIN_MS,
  async prepare(ctx, deps) {
    const timeoutMs = Math.min(deps.settings.upstreamTimeoutMs, ctx.remainingMs(deps.nowMs()));
    const result = await deps.upstream.send(upstreamRequestOf(ctx), { timeoutMs });
    ctx.upstreamResult = result;
    if (result.cardKind !== undefined) ctx.cardKind = result.cardKind;
    if (result.outcome === 'approved') {
      ctx.authCode = result.authCode;
      ctx.balanceFen = result.balanceFen ?? null;
      ctx.iccResponse = result.iccResponse ?? null;
      ctx.approve();
      return Vote.PREPARED;
    }
    ctx.iccResponse = result.iccResponse ?? null;
    if (result.outcome === 'declined') ctx.decline('issuer_declined', result.responseCode);
    else if (result.outcome === 'timeout') ctx.decline('upstream_timeout');
    else ctx.decline('upstream_unavailable');
    // Declined and unavailable left nothing at the network; a timeout may have, so it joins for abort.
    return result.outcome === 'timeout' ? Vote.ABORTED : Vote.ABORTED | Vote.NO_JOIN;
  },
  async abort(ctx, deps) {
    if (ctx.upstreamReversalQueued) return;
    const declinedUpstream =
      ctx.upstreamResult?.outcome === 'declined' || ctx.upstreamResult?.outcome === 'unavailable';
    if (declinedUpstream) return;
    await deps.upstream.enqueueReversal(upstreamReversalOf(ctx));
    ctx.upstreamReversalQueued = true;
  },
};

function upstreamRequestOf(ctx: AuthorizationContext): UpstreamRequest {
  const terminal = ctx.terminal;
  assert(terminal !== undefined, 'routing needs the bound merchant');
  const original = ctx.original;
  return {
    txnId: ctx.txnId,
    kind: upstreamKindOf(ctx.request.kind),
    pan: ctx.pan,
    expiryYymm: ctx.expiryYymm,
    track2: ctx.track2,
    cardSequence: ctx.request.cardSequence,
    amountFen: ctx.request.amountFen,
    stan: ctx.request.stan,
    rrn: ctx.rrn,
    terminalId: ctx.request.terminalId,
    merchantNumber: terminal.merchantNumber,
    mcc: terminal.mcc,
    merchantName: terminal.merchantName,
    posEntryMode: ctx.request.posEntryMode,
    posConditionCode: ctx.request.posConditionCode,
    pinBlockUnderZpk: ctx.pinBlockUnderZpk,
    iccData: ctx.request.iccData,
    scanCode: ctx.request.scanCode,
    original:
      original === undefined
        ? null
        : {
            stan: original.stan,
            rrn: original.rrn,
            authCode: original.authCode,
            transmittedAtMs: original.createdAtMs,
            amountFen: original.amountFen,
          },
  };
}

function upstreamReversalOf(ctx: AuthorizationContext): UpstreamReversal {
  const terminal = ctx.terminal;
  assert(terminal !== undefined, 'a reversal names the bound merchant');
  return {
    txnId: ctx.txnId,
    kind: upstreamKindOf(ctx.request.kind),
    pan: ctx.pan,
    amountFen: fen(ctx.request.amountFen),
    stan: ctx.request.stan,
    rrn: ctx.rrn,
    authCode: ctx.upstreamResult?.authCode ?? '',
    terminalId: ctx.request.terminalId,
    merchantNumber: terminal.merchantNumber,
    mcc: terminal.mcc,
    posEntryMode: ctx.request.posEntryMode,
    reasonCode: ctx.status === 'timed_out' ? REVERSAL_REASON_NO_RESPONSE : REVERSAL_REASON_HOST_ABORT,
    transmittedAtMs: ctx.startedAtMs,
  };
}
