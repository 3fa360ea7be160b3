/**
 * Terminal reversal (0400) of any earlier transaction of this terminal. The upstream reversal is
 * queued (durable store-and-forward, in the same SQL transaction) as the original is marked
 * reversed. Answers: 00 when reversed now or before (idempotent), or when there was nothing to
 * reverse; 25 for an unknown original. Terminals stop retrying on both. An original still pending
 * is marked reversed too, and its network reversal is left to whoever completes it: its own outcome
 * step finds it reversed and reverses the network approval, or, if that process died, crash
 * recovery reverses it by the network identity stored with the intent.
 */
import { assert } from '@acq/assert';
import { recordReversal } from '../../../store/reversal-store.ts';
import { reversedEvent } from '../../events.ts';
import { upstreamReversalOf } from '../../upstream-reversal.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

/** CUP reversal reason when the terminal sent none: 98, no answer received. */
const DEFAULT_REVERSAL_REASON = '98';

export const applyReversal: Participant = {
  name: 'apply-reversal',
  uninterruptible: true,
  async prepare(ctx, deps) {
    const key = originalKeyOf(ctx);
    const found = await deps.store.findByKey(ctx.request.terminalId, key.batchNumber, key.stan);
    if (found === undefined) {
      ctx.decline('original_not_found');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    ctx.original = found;
    const reasonCode = reversalReasonOf(ctx);
    const nowMs = deps.nowMs();
    const record = await recordReversal(deps.store.pool, deps.store.writeOutbox, {
      originalTxnId: found.txnId,
      reasonCode,
      // An inquiry moved no money, so reversing it announces nothing.
      eventsIfApproved: (locked) =>
        locked.kind === 'balance_inquiry' ? [] : [reversedEvent(locked, reasonCode, nowMs)],
      enqueueUpstream: (client, locked) =>
        deps.upstream.enqueueReversal(
          upstreamReversalOf(locked, 'terminal_reversal', deps.settings.acquirerInstitutionId, locked),
          client,
        ),
    });
    assert(record.kind !== 'original_not_found', 'a found original does not disappear');
    ctx.original = record.original;
    ctx.upstreamReversalQueued = record.kind === 'reversed' && record.upstreamQueued;
    ctx.approve();
    return Vote.PREPARED | Vote.NO_JOIN;
  },
};

function originalKeyOf(ctx: AuthorizationContext): { batchNumber: string; stan: string } {
  const reference = ctx.request.original;
  if (reference !== null && /^[0-9]{6}$/.test(reference.stan) && /^[0-9]{6}$/.test(reference.batchNumber)) {
    return { batchNumber: reference.batchNumber, stan: reference.stan };
  }
  // CUP 0400 repeats the original's trace (11) and batch (60.2).
  return { batchNumber: ctx.request.batchNumber, stan: ctx.request.stan };
}

function reversalReasonOf(ctx: AuthorizationContext): string {
  const reason = ctx.request.reversalReasonCode;
  return /^[0-9A-Z]{2}$/.test(reason) ? reason : DEFAULT_REVERSAL_REASON;
}
