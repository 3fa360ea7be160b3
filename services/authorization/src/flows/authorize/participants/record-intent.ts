/**
 * Durable intent before anything leaves the process (group commit), with the network identity the
 * upstream request will carry, which is also the duplicate check: the unique index on terminal +
 * batch + trace refuses a second row. A retransmission of a
 * completed request replays its stored answer; anything else with the same key is answered 94.
 * Its abort writes the declined (or timed-out) outcome with its events, so every declined request
 * that got this far is recorded too.
 */
import { assert } from '@acq/assert';
import type { IntentRow } from '../../../store/transaction-store.ts';
import { declineEvents } from '../../events.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

export const recordIntent: Participant = {
  name: 'record-intent',
  uninterruptible: true,
  async prepare(ctx, deps) {
    const terminal = ctx.terminal;
    assert(terminal !== undefined, 'the terminal context is loaded before the intent');
    const result = await deps.store.recordIntent(intentRowOf(ctx));
    if (result.kind === 'recorded') {
      ctx.intentRecorded = true;
      return Vote.PREPARED;
    }
    ctx.duplicateOf = result.existing;
    const sameRequest = result.existing.requestFingerprint === requestFingerprint(ctx);
    if (sameRequest && result.existing.status !== 'pending') ctx.replayedAnswer = result.existing;
    ctx.decline('duplicate_transaction');
    return Vote.ABORTED | Vote.NO_JOIN;
  },
  async abort(ctx, deps) {
    if (!ctx.intentRecorded) return;
    assert(ctx.declineReason !== undefined, 'an aborted intent has a reason');
    await deps.store.recordOutcome({
      txnId: ctx.txnId,
      status: ctx.status === 'timed_out' ? 'timed_out' : 'declined',
      rrn: ctx.rrn,
      networkStan: ctx.networkStan,
      transmissionDateTime: ctx.transmissionDateTime,
      authCode: '',
      responseCode: deps.responseCodeOf(ctx),
      declineReason: ctx.declineReason,
      cardKind: ctx.cardKind,
      feeFen: ctx.feeFen,
      balanceFen: null,
      iccResponse: ctx.iccResponse,
      releaseClaim: ctx.claimHeld,
      events: declineEvents(ctx, deps.responseCodeOf(ctx), deps.nowMs()),
    });
  },
};

/** Tells a retransmission (same kind, amount, card and original) from a different request reusing a key. */
export function requestFingerprint(ctx: AuthorizationContext): string {
  const request = ctx.request;
  const card = ctx.cardToken ?? `scan:${request.scanCode.length}:${request.scanCode.slice(-4)}`;
  const original = request.original === null ? '' : `${request.original.batchNumber}${request.original.stan}`;
  return `${request.kind}|${request.amountFen}|${card}|${original}`;
}

function intentRowOf(ctx: AuthorizationContext): IntentRow {
  const terminal = ctx.terminal;
  assert(terminal !== undefined, 'the terminal context is loaded before the intent');
  return {
    txnId: ctx.txnId,
    kind: ctx.request.kind,
    terminalId: ctx.request.terminalId,
    batchNumber: ctx.request.batchNumber,
    stan: ctx.request.stan,
    merchantId: terminal.merchantId,
    merchantNumber: terminal.merchantNumber,
    merchantNumberFromTerminal: ctx.request.merchantNumberFromTerminal,
    mcc: terminal.mcc,
    amountFen: ctx.request.amountFen,
    posEntryMode: ctx.request.posEntryMode,
    cardToken: ctx.cardToken,
    panMasked: ctx.panMasked,
    posConditionCode: ctx.request.posConditionCode,
    requestFingerprint: requestFingerprint(ctx),
    rrn: ctx.rrn,
    networkStan: ctx.networkIdentity?.networkStan ?? '',
    transmissionDateTime: ctx.networkIdentity?.transmissionDateTime ?? '',
    businessDate: ctx.businessDate,
    originalTxnId: ctx.original?.txnId ?? null,
  };
}
