/** Operators decide changes held for review: approve activates the card, reject fails the change. */
import { FAILURE } from '../domain/change-state.ts';
import { forbidden, invalidArgument } from '../domain/refusals.ts';
import { type CardChangeRecord, recordStep } from '../store/change-store.ts';
import { activateLockedChange, notifyActivated } from './activate-change.ts';
import { failChange, requireState, stepBy, withLockedChange } from './change-steps.ts';
import type { Actor, CardRegistryDeps } from './ports.ts';

export async function reviewCardChange(
  deps: CardRegistryDeps,
  changeId: string,
  decision: string,
  reason: string,
  actor: Actor,
): Promise<CardChangeRecord> {
  if (actor.role !== 'operator') throw forbidden('OPERATOR_ONLY', 'only an operator reviews a change');
  if (decision !== 'approve' && decision !== 'reject')
    throw invalidArgument('DECISION_INVALID', 'decision is approve or reject');
  if (reason.length === 0 || reason.length > 500)
    throw invalidArgument('REASON_REQUIRED', 'a review records its reason');
  const decided = await withLockedChange(deps, changeId, async (locked) => {
    const change = locked.change;
    requireState(change, 'under_review', 'CHANGE_NOT_UNDER_REVIEW', 'the change is not waiting for a review');
    if (decision === 'reject') {
      const message = `an operator rejected the change: ${reason}`;
      return failChange(locked, change, { code: FAILURE.rejectedByOperator, message }, actor, { reviewReason: reason });
    }
    const approved = await recordStep(
      locked.client,
      change,
      change.state,
      { reviewReason: reason },
      stepBy(actor, 'approved', reason, locked.nowMs),
    );
    return activateLockedChange(deps, locked, approved, actor, 'reviewed');
  });
  return notifyActivated(deps, decided);
}
