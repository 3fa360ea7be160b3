/**
 * The approved outcome and its event, durable (group commit, outbox in the same transaction) before
 * the terminal hears 00. If the terminal reversed the transaction while it was in flight, the
 * outcome is kept without an event and the transaction aborts so the upstream approval is reversed.
 */
import { assert } from '@acq/assert';
import { approvedEventType, contextEvent, toOutboxEvent } from '../../events.ts';
import { type Participant, Vote } from '../participant.ts';

export const recordOutcome: Participant = {
  name: 'record-outcome',
  uninterruptible: true,
  async prepare(ctx, deps) {
    assert(ctx.status === 'approved', 'only approvals reach the outcome step');
    assert(ctx.intentRecorded, 'an outcome completes a recorded intent');
    const responseCode = deps.responseCodeOf(ctx);
    const nowMs = deps.nowMs();
    // A balance inquiry moves no money, so settlement hears nothing about it.
    ctx.events =
      ctx.request.kind === 'balance_inquiry'
        ? []
        : [toOutboxEvent(contextEvent(ctx, approvedEventType(ctx.request.kind), responseCode, nowMs))];
    const result = await deps.store.recordOutcome({
      txnId: ctx.txnId,
      status: 'approved',
      rrn: ctx.rrn,
      networkStan: ctx.networkStan,
      transmissionDateTime: ctx.transmissionDateTime,
      authCode: ctx.authCode,
      responseCode,
      declineReason: null,
      cardKind: ctx.cardKind,
      feeFen: ctx.feeFen,
      balanceFen: ctx.balanceFen,
      iccResponse: ctx.iccResponse,
      releaseClaim: false,
      events: ctx.events,
    });
    if (result === 'recorded') return Vote.PREPARED | Vote.NO_JOIN;
    // Reversed by the terminal meanwhile (or completed by recovery): nothing was announced.
    ctx.decline('upstream_timeout');
    return Vote.ABORTED | Vote.NO_JOIN;
  },
};
