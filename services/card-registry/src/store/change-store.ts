/** Card changes and their audit trail (one step row per state move or attempt). */
import { assert } from '@acq/assert';
import type { AccountKind } from '../domain/change-policy.ts';
import { assertMove, type ChangeKind, type ChangeState } from '../domain/change-state.ts';
import { msOf, type Queryable } from './queryable.ts';

export type ChangeVerification = 'micro_deposit' | 'zero_amount' | 'onboarding';

export type CardChangeRecord = {
  readonly changeId: string;
  readonly merchantId: string;
  readonly kind: ChangeKind;
  readonly state: ChangeState;
  readonly cardToken: string;
  readonly accountNumberSealed: string;
  readonly accountNumberMasked: string;
  readonly holderName: string;
  readonly bankCode: string;
  readonly bankName: string;
  readonly accountKind: AccountKind;
  readonly phoneSealed: string;
  readonly phoneMasked: string;
  readonly verificationMethod: ChangeVerification;
  readonly smsCodeHash: string;
  readonly smsCodeExpiresAtMs: number;
  readonly smsAttempts: number;
  readonly agreementVersion: string;
  readonly agreementSignedAtMs: number;
  readonly microDepositHash: string;
  readonly verificationAttempts: number;
  readonly failureCode: string;
  readonly failureMessage: string;
  readonly reviewReason: string;
  readonly cardId: string | null;
  readonly t0SuspendedUntilMs: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly expiresAtMs: number;
};

export type ChangeStep = {
  readonly fromState: string;
  readonly toState: string;
  readonly action: string;
  readonly actorSubject: string;
  readonly actorRole: string;
  readonly detail: string;
  readonly atMs: number;
};

type ChangeRow = {
  change_id: string;
  merchant_id: string;
  kind: ChangeKind;
  state: ChangeState;
  card_token: string;
  account_number_sealed: string;
  account_number_masked: string;
  holder_name: string;
  bank_code: string;
  bank_name: string;
  account_kind: AccountKind;
  phone_sealed: string;
  phone_masked: string;
  verification_method: ChangeVerification;
  sms_code_hash: string;
  sms_code_expires_at: Date | null;
  sms_attempts: number;
  agreement_version: string;
  agreement_signed_at: Date | null;
  micro_deposit_hash: string;
  verification_attempts: number;
  failure_code: string;
  failure_message: string;
  review_reason: string;
  card_id: string | null;
  t0_suspended_until: Date | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
};

function changeOf(row: ChangeRow): CardChangeRecord {
  return {
    changeId: row.change_id,
    merchantId: row.merchant_id,
    kind: row.kind,
    state: row.state,
    cardToken: row.card_token,
    accountNumberSealed: row.account_number_sealed,
    accountNumberMasked: row.account_number_masked,
    holderName: row.holder_name,
    bankCode: row.bank_code,
    bankName: row.bank_name,
    accountKind: row.account_kind,
    phoneSealed: row.phone_sealed,
    phoneMasked: row.phone_masked,
    verificationMethod: row.verification_method,
    smsCodeHash: row.sms_code_hash,
    smsCodeExpiresAtMs: msOf(row.sms_code_expires_at),
    smsAttempts: row.sms_attempts,
    agreementVersion: row.agreement_version,
    agreementSignedAtMs: msOf(row.agreement_signed_at),
    microDepositHash: row.micro_deposit_hash,
    verificationAttempts: row.verification_attempts,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    reviewReason: row.review_reason,
    cardId: row.card_id,
    t0SuspendedUntilMs: msOf(row.t0_suspended_until),
    createdAtMs: row.created_at.getTime(),
    updatedAtMs: row.updated_at.getTime(),
    expiresAtMs: row.expires_at.getTime(),
  };
}

export type NewChange = Pick<
  CardChangeRecord,
  | 'changeId'
  | 'merchantId'
  | 'kind'
  | 'cardToken'
  | 'accountNumberSealed'
  | 'accountNumberMasked'
  | 'holderName'
  | 'bankCode'
  | 'bankName'
  | 'accountKind'
  | 'phoneSealed'
  | 'phoneMasked'
  | 'verificationMethod'
  | 'createdAtMs'
  | 'expiresAtMs'
>;

export async function insertChange(client: Queryable, change: NewChange): Promise<CardChangeRecord> {
  const at = new Date(change.createdAtMs);
  const result = await client.query<ChangeRow>(
    `INSERT INTO card_changes (change_id, merchant_id, kind, state, card_token, account_number_sealed,
       account_number_masked, holder_name, bank_code, bank_name, account_kind, phone_sealed, phone_masked,
       verification_method, created_at, updated_at, expires_at)
     VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) RETURNING *`,
    [
      change.changeId,
      change.merchantId,
      change.kind,
      change.cardToken,
      change.accountNumberSealed,
      change.accountNumberMasked,
      change.holderName,
      change.bankCode,
      change.bankName,
      change.accountKind,
      change.phoneSealed,
      change.phoneMasked,
      change.verificationMethod,
      at,
      new Date(change.expiresAtMs),
    ],
  );
  const row = result.rows[0];
  assert(row !== undefined, 'the inserted change is returned');
  return changeOf(row);
}

export async function findChange(
  client: Queryable,
  changeId: string,
  lock: 'none' | 'for_update',
): Promise<CardChangeRecord | undefined> {
  const suffix = lock === 'for_update' ? ' FOR UPDATE' : '';
  const result = await client.query<ChangeRow>(`SELECT * FROM card_changes WHERE change_id = $1${suffix}`, [changeId]);
  const row = result.rows[0];
  return row === undefined ? undefined : changeOf(row);
}

export async function findOpenChange(client: Queryable, merchantId: string): Promise<CardChangeRecord | undefined> {
  const result = await client.query<ChangeRow>(
    `SELECT * FROM card_changes WHERE merchant_id = $1 AND state NOT IN ('active', 'failed') FOR UPDATE`,
    [merchantId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : changeOf(row);
}

export async function listChanges(
  client: Queryable,
  filter: { readonly state: string; readonly merchantId: string; readonly limit: number },
): Promise<CardChangeRecord[]> {
  assert(filter.limit >= 1, 'a list returns at least one row');
  const result = await client.query<ChangeRow>(
    `SELECT * FROM card_changes WHERE ($1 = '' OR state = $1) AND ($2 = '' OR merchant_id = $2)
      ORDER BY created_at DESC LIMIT $3`,
    [filter.state, filter.merchantId, filter.limit],
  );
  return result.rows.map(changeOf);
}

/** Column updates a step may make besides the state (names are the record's). */
export type ChangeUpdate = Partial<
  Pick<
    CardChangeRecord,
    | 'smsCodeHash'
    | 'smsCodeExpiresAtMs'
    | 'smsAttempts'
    | 'agreementVersion'
    | 'agreementSignedAtMs'
    | 'microDepositHash'
    | 'verificationAttempts'
    | 'failureCode'
    | 'failureMessage'
    | 'reviewReason'
    | 'cardId'
    | 't0SuspendedUntilMs'
  >
>;

const COLUMN_OF: Readonly<Record<keyof ChangeUpdate, string>> = {
  smsCodeHash: 'sms_code_hash',
  smsCodeExpiresAtMs: 'sms_code_expires_at',
  smsAttempts: 'sms_attempts',
  agreementVersion: 'agreement_version',
  agreementSignedAtMs: 'agreement_signed_at',
  microDepositHash: 'micro_deposit_hash',
  verificationAttempts: 'verification_attempts',
  failureCode: 'failure_code',
  failureMessage: 'failure_message',
  reviewReason: 'review_reason',
  cardId: 'card_id',
  t0SuspendedUntilMs: 't0_suspended_until',
};

function sqlValue(key: keyof ChangeUpdate, value: string | number | null): string | number | Date | null {
  if (key.endsWith('AtMs') || key === 't0SuspendedUntilMs')
    return value === 0 || value === null ? null : new Date(Number(value));
  return value;
}

/**
 * Moves the change to `state` (or keeps it there for an attempt), applies `update`, and appends the step
 * to the audit trail, in the caller's transaction.
 */
export async function recordStep(
  client: Queryable,
  change: CardChangeRecord,
  state: ChangeState,
  update: ChangeUpdate,
  step: Omit<ChangeStep, 'fromState' | 'toState'>,
): Promise<CardChangeRecord> {
  if (state !== change.state) assertMove(change.state, state);
  const keys = Object.keys(update) as (keyof ChangeUpdate)[];
  const assignments = keys.map((key, index) => `${COLUMN_OF[key]} = $${index + 4}`);
  const values = keys.map((key) => sqlValue(key, update[key] ?? null));
  const result = await client.query<ChangeRow>(
    `UPDATE card_changes SET state = $2, updated_at = $3${assignments.map((text) => `, ${text}`).join('')}
      WHERE change_id = $1 RETURNING *`,
    [change.changeId, state, new Date(step.atMs), ...values],
  );
  const row = result.rows[0];
  assert(row !== undefined, 'the locked change is updated');
  await client.query(
    `INSERT INTO card_change_steps (change_id, step_number, from_state, to_state, action, actor_subject, actor_role,
       detail, at)
     SELECT $1, COALESCE(max(step_number), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM card_change_steps WHERE change_id = $1`,
    [
      change.changeId,
      change.state,
      state,
      step.action,
      step.actorSubject,
      step.actorRole,
      step.detail,
      new Date(step.atMs),
    ],
  );
  return changeOf(row);
}

export async function insertFirstStep(
  client: Queryable,
  change: CardChangeRecord,
  step: Omit<ChangeStep, 'fromState' | 'toState'>,
): Promise<void> {
  await client.query(
    `INSERT INTO card_change_steps (change_id, step_number, from_state, to_state, action, actor_subject, actor_role,
       detail, at) VALUES ($1, 1, '', $2, $3, $4, $5, $6, $7)`,
    [change.changeId, change.state, step.action, step.actorSubject, step.actorRole, step.detail, new Date(step.atMs)],
  );
}

export async function listSteps(client: Queryable, changeId: string, limit: number): Promise<ChangeStep[]> {
  const result = await client.query<{
    from_state: string;
    to_state: string;
    action: string;
    actor_subject: string;
    actor_role: string;
    detail: string;
    at: Date;
  }>(
    `SELECT from_state, to_state, action, actor_subject, actor_role, detail, at FROM card_change_steps
      WHERE change_id = $1 ORDER BY step_number LIMIT $2`,
    [changeId, limit],
  );
  return result.rows.map((row) => ({
    fromState: row.from_state,
    toState: row.to_state,
    action: row.action,
    actorSubject: row.actor_subject,
    actorRole: row.actor_role,
    detail: row.detail,
    atMs: row.at.getTime(),
  }));
}
