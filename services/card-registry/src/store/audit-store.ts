/** Requests refused before a change existed, and unbinds: who tried what, with the masked card only. */
import { assert } from '@acq/assert';
import type { Queryable } from './queryable.ts';

export type AuditEntry = {
  readonly merchantId: string;
  readonly action: 'request_change' | 'unbind' | 'onboarding_bind';
  readonly outcome: string;
  readonly accountNumberMasked: string;
  readonly actorSubject: string;
  readonly actorRole: string;
  readonly atMs: number;
};

export async function appendAudit(client: Queryable, entry: AuditEntry): Promise<void> {
  assert(!/[0-9]{12,}/.test(entry.accountNumberMasked), 'the audit log holds masked card numbers only');
  await client.query(
    `INSERT INTO card_registry_audit (merchant_id, action, outcome, account_number_masked, actor_subject, actor_role, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      entry.merchantId,
      entry.action,
      entry.outcome,
      entry.accountNumberMasked,
      entry.actorSubject,
      entry.actorRole,
      new Date(entry.atMs),
    ],
  );
}
