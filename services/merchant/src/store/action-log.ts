/** The service's record of who did what to which merchant record, written inside the changing transaction. */
import { assert } from '@acq/assert';
import type { Queryable } from './queryable.ts';

export interface ActorRecord {
  readonly subject: string;
  readonly role: string;
}

export async function recordAction(
  db: Queryable,
  entry: {
    readonly entityKind: 'application' | 'merchant' | 'terminal' | 't0_application' | 'qr_code';
    readonly entityId: string;
    readonly action: string;
    readonly actor: ActorRecord;
    readonly detail: Readonly<Record<string, string | number | boolean>>;
  },
): Promise<void> {
  assert(entry.actor.subject !== '', 'an action has an actor');
  assert(entry.entityId !== '', 'an action has an entity');
  await db.query(
    `INSERT INTO merchant_action_log (entity_kind, entity_id, action, actor_subject, actor_role, detail)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      entry.entityKind,
      entry.entityId,
      entry.action,
      entry.actor.subject,
      entry.actor.role,
      JSON.stringify(entry.detail),
    ],
  );
}
