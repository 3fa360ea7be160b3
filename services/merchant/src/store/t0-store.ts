/** SQL for T0 (real-time settlement) applications. */
import { assert } from '@acq/assert';
import type { Queryable } from './queryable.ts';
import type { T0ApplicationRecord } from './records.ts';
import { epochMs, firstRow, oneOf, optionalEpochMs, type Row, text } from './row-mapping.ts';

const T0_STATUSES = ['submitted', 'approved', 'rejected'] as const;

function t0FromRow(row: Row): T0ApplicationRecord {
  return {
    t0ApplicationId: text(row, 't0_application_id'),
    merchantId: text(row, 'merchant_id'),
    status: oneOf(row, 'status', T0_STATUSES),
    rejectionReason: text(row, 'rejection_reason'),
    reviewedBy: text(row, 'reviewed_by'),
    submittedAtMs: epochMs(row, 'submitted_at'),
    decidedAtMs: optionalEpochMs(row, 'decided_at'),
  };
}

/** Undefined when the merchant already has an open T0 application. */
export async function insertT0Application(
  db: Queryable,
  input: { readonly t0ApplicationId: string; readonly merchantId: string; readonly submittedBy: string },
): Promise<T0ApplicationRecord | undefined> {
  const result = await db.query(
    `INSERT INTO t0_applications (t0_application_id, merchant_id, status, submitted_by)
     VALUES ($1, $2, 'submitted', $3) ON CONFLICT DO NOTHING RETURNING *`,
    [input.t0ApplicationId, input.merchantId, input.submittedBy],
  );
  const row = firstRow(result.rows);
  return row === undefined ? undefined : t0FromRow(row);
}

export async function findT0Application(
  db: Queryable,
  t0ApplicationId: string,
  lock: 'for_update' | 'none',
): Promise<T0ApplicationRecord | undefined> {
  const suffix = lock === 'for_update' ? ' FOR UPDATE' : '';
  const result = await db.query(`SELECT * FROM t0_applications WHERE t0_application_id = $1${suffix}`, [
    t0ApplicationId,
  ]);
  const row = firstRow(result.rows);
  return row === undefined ? undefined : t0FromRow(row);
}

export async function decideT0Application(
  db: Queryable,
  change: {
    readonly t0ApplicationId: string;
    readonly status: 'approved' | 'rejected';
    readonly reviewedBy: string;
    readonly reason: string;
  },
): Promise<T0ApplicationRecord> {
  const result = await db.query(
    `UPDATE t0_applications SET status = $2, reviewed_by = $3, rejection_reason = $4, decided_at = now()
      WHERE t0_application_id = $1 AND status = 'submitted' RETURNING *`,
    [change.t0ApplicationId, change.status, change.reviewedBy, change.reason],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'the T0 application was locked in status submitted');
  return t0FromRow(row);
}
