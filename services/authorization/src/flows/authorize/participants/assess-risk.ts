/**
 * Risk assessment inside the transaction budget. A decline carries risk's field-39 code; a risk
 * service that does not answer in its budget fails closed (96) unless RISK_FAIL_OPEN is set. Counters
 * reserved by an approval are confirmed once the approval is recorded (commit) and released when the
 * transaction does not complete (abort), without holding up the answer.
 */
import { assert } from '@acq/assert';
import type { FlowDependencies } from '../../flow-dependencies.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

/** Risk's reservation id for a transaction (its contract: `rsv_<txn_id>`, so a retry never reserves twice). */
export function riskReservationIdOf(txnId: string): string {
  assert(txnId.length > 0, 'reservations are named after their transaction');
  return `rsv_${txnId}`;
}

export const assessRisk: Participant = {
  name: 'assess-risk',
  stepTimeoutMs: (deps) => deps.settings.riskTimeoutMs + 20,
  async prepare(ctx, deps) {
    const terminal = ctx.terminal;
    assert(terminal !== undefined, 'risk needs the terminal context');
    assert(ctx.cardToken !== null || ctx.entryMethod === 'scan_code', 'risk sees a card token, never the PAN');
    const decision = await deps.risk.assess(
      {
        txnId: ctx.txnId,
        kind: ctx.request.kind,
        terminal,
        cardToken: ctx.cardToken ?? '',
        cardKind: ctx.cardKind,
        amountFen: ctx.request.amountFen,
        posEntryMode: ctx.request.posEntryMode,
        pinPresent: ctx.pinPresent,
        merchantNumberFromTerminal: ctx.request.merchantNumberFromTerminal,
        location: ctx.request.location,
        occurredAtMs: ctx.startedAtMs,
      },
      { timeoutMs: deps.settings.riskTimeoutMs },
    );
    if (decision.outcome === 'decline') {
      ctx.decline('risk_declined', decision.responseCode);
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    if (decision.outcome === 'approve' || decision.outcome === 'approve_and_flag') {
      // Risk answers an approval that reserved nothing (a balance inquiry, limits skipped by its
      // failure policy) with an empty reservation id: there is nothing to confirm or release.
      ctx.riskReservationId = decision.reservationId === '' ? undefined : decision.reservationId;
      ctx.riskFlagged = decision.outcome === 'approve_and_flag';
      return Vote.PREPARED;
    }
    // Risk did not answer in its budget (or is down): fail closed unless configured to fail open.
    if (deps.settings.riskFailOpen) return Vote.PREPARED | Vote.NO_JOIN;
    ctx.decline('risk_unavailable');
    // Risk may have reserved counters before its answer came too late: join, so abort releases the
    // reservation risk names after the transaction instead of leaving it to risk's sweeper.
    ctx.riskReservationId = riskReservationIdOf(ctx.txnId);
    return Vote.ABORTED;
  },
  // The answer does not wait for these calls: each outcome's authorization event settles the
  // reservation as well (risk consumes authorization.events as the durable path), so a lost call
  // only leaves the settlement to that event. Waiting cost every answer a round trip to risk.
  async commit(ctx, deps) {
    if (ctx.riskReservationId === undefined) return;
    settleWithoutWaiting(deps.risk.confirm(ctx.riskReservationId, ctx.txnId), ctx, deps, 'confirm');
  },
  async abort(ctx, deps) {
    if (ctx.riskReservationId === undefined) return;
    settleWithoutWaiting(
      deps.risk.release(ctx.riskReservationId, ctx.declineReason ?? 'aborted'),
      ctx,
      deps,
      'release',
    );
  },
};

function settleWithoutWaiting(
  settlement: Promise<void>,
  ctx: AuthorizationContext,
  deps: FlowDependencies,
  action: 'confirm' | 'release',
): void {
  settlement.catch((error: unknown) => {
    deps.logger.warn(
      { txnId: ctx.txnId, action, err: error },
      'risk reservation settlement failed; the authorization event settles it',
    );
  });
}
