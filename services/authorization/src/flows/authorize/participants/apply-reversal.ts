/**
 * Terminal reversal (0400) of any earlier transaction of this terminal. The upstream reversal is
 * queued (durable store-and-forward) before the original is marked reversed, so a crash in between
 * leaves at worst a reversal the network acknowledges as already done, never a reversed record with
 * money still taken upstream. Answers: 00 when reversed now or before (idempotent), or when there was
 * nothing to reverse; 25 for an unknown original. Terminals stop retrying on both.
 */
import { assert } from '@acq/assert';
import { fen } from '@acq/money';
import { recordReversal } from '../../../store/reversal-store.ts';
import type { StoredTransaction } from '../../../store/transaction-row.ts';
import { reversedEvent } from '../../events.ts';
import type { FlowDependencies } from '../../flow-dependencies.ts';
import { type UpstreamReversal, upstreamKindOf } from '../../ports.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

/** CUP reversal reason when the terminal sent none: 98, no answer received. */
const DEFAULT_REVERSAL_REASON = '98';

export const applyReversal: Participant = {
  name: 'apply-reversal',
  uninterruptible: true,
  async prepare(ctx, deps) {
    const key = originalKeyOf(ctx);
    const original = await deps.store.findByKey(ctx.request.terminalId, key.batchNumber, key.stan);
    if (original === undefined) {
      ctx.decline('original_not_found');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    ctx.original = original;
    const reasonCode = reversalReasonOf(ctx);
    const moneyMayBeHeld = !original.reversed && original.status !== 'declined';
    if (moneyMayBeHeld && original.kind !== 'balance_inquiry') {
      await deps.upstream.enqueueReversal(upstreamReversalOf(original, reasonCode, deps));
      ctx.upstreamReversalQueued = true;
    }
    const nowMs = deps.nowMs();
    const record = await recordReversal(deps.store.pool, deps.store.writeOutbox, {
      originalTxnId: original.txnId,
      reasonCode,
      eventsIfApproved: (locked) => [reversedEvent(locked, reasonCode, nowMs)],
    });
    assert(record.kind !== 'original_not_found', 'a found original does not disappear');
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

function upstreamReversalOf(original: StoredTransaction, reasonCode: string, deps: FlowDependencies): UpstreamReversal {
  assert(original.kind !== 'balance_inquiry', 'inquiries hold no money to reverse');
  const pan = original.panEncrypted === null ? '' : deps.panVault.decryptPan(original.panEncrypted);
  return {
    txnId: original.txnId,
    kind: upstreamKindOf(original.kind),
    pan,
    amountFen: fen(original.amountFen),
    stan: original.stan,
    rrn: original.rrn,
    authCode: original.authCode,
    terminalId: original.terminalId,
    merchantNumber: original.merchantNumber,
    mcc: original.mcc,
    posEntryMode: original.posEntryMode,
    reasonCode,
    transmittedAtMs: original.createdAtMs,
  };
}
