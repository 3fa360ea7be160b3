/**
 * Helpers every step of a change shares: the lock order (merchant state row, then the change row, so
 * a step never deadlocks with a new request of the same merchant), failing a change with its event, and
 * the expiry of changes left unfinished.
 */
import { assert } from '@acq/assert';
import { writeOutboxEvents } from '@acq/bus';
import { withTransaction } from '@acq/db';
import type pg from 'pg';
import { type ChangeState, type FailureCode, FAILURE, isFinal } from '../domain/change-state.ts';
import { conflict, notFound } from '../domain/refusals.ts';
import { lockMerchantState, type MerchantCardState } from '../store/card-store.ts';
import { type CardChangeRecord, type ChangeUpdate, findChange, recordStep } from '../store/change-store.ts';
import { changeFailedEvent } from './events.ts';
import type { Actor, CardRegistryDeps } from './ports.ts';

export type LockedChange = {
  readonly client: pg.PoolClient;
  readonly merchantState: MerchantCardState;
  readonly change: CardChangeRecord;
  readonly nowMs: number;
};

export async function withLockedChange<Result>(
  deps: CardRegistryDeps,
  changeId: string,
  work: (locked: LockedChange) => Promise<Result>,
): Promise<Result> {
  const peek = await findChange(deps.pool, changeId, 'none');
  if (peek === undefined) throw notFound('CHANGE_NOT_FOUND', 'no settlement-card change has this id');
  return withTransaction(deps.pool, async (client) => {
    const nowMs = deps.nowMs();
    const merchantState = await lockMerchantState(client, peek.merchantId, nowMs);
    const change = await findChange(client, changeId, 'for_update');
    assert(change !== undefined, 'a change is never deleted');
    assert(change.merchantId === peek.merchantId, 'a change never moves to another merchant');
    return work({ client, merchantState, change, nowMs });
  });
}

export function stepBy(actor: Actor, action: string, detail: string, atMs: number) {
  return { action, actorSubject: actor.subject, actorRole: actor.role, detail, atMs };
}

export async function failChange(
  locked: Pick<LockedChange, 'client' | 'nowMs'>,
  change: CardChangeRecord,
  failure: { readonly code: FailureCode; readonly message: string },
  actor: Actor,
  update: ChangeUpdate = {},
): Promise<CardChangeRecord> {
  const failed = await recordStep(
    locked.client,
    change,
    'failed',
    { ...update, failureCode: failure.code, failureMessage: failure.message },
    stepBy(actor, 'failed', failure.code, locked.nowMs),
  );
  await writeOutboxEvents(locked.client, [changeFailedEvent(failed, locked.nowMs)]);
  return failed;
}

/** A change left unfinished past its time to live fails when next touched. */
export async function failIfExpired(locked: LockedChange, actor: Actor): Promise<CardChangeRecord | undefined> {
  const change = locked.change;
  if (isFinal(change.state) || change.state === 'under_review' || locked.nowMs < change.expiresAtMs) return undefined;
  return failChange(
    locked,
    change,
    { code: FAILURE.changeExpired, message: 'the change was not finished in time; start it again' },
    actor,
  );
}

export function requireState(change: CardChangeRecord, expected: ChangeState, code: string, message: string): void {
  if (change.state !== expected) throw conflict(code, `${message} (the change is ${change.state})`);
}
