/** SQL for merchant applications. */
import { assert } from '@acq/assert';
import { APPLICATION_STATUSES, MERCHANT_TYPES } from '../domain/application.ts';
import type { Queryable } from './queryable.ts';
import type { ApplicationRecord } from './records.ts';
import { epochMs, firstRow, oneOf, optionalEpochMs, optionalText, type Row, text, trimmedText } from './row-mapping.ts';

function applicationFromRow(row: Row): ApplicationRecord {
  return {
    applicationId: text(row, 'application_id'),
    status: oneOf(row, 'status', APPLICATION_STATUSES),
    merchantType: oneOf(row, 'merchant_type', MERCHANT_TYPES),
    legalName: text(row, 'legal_name'),
    idNumberSealed: text(row, 'id_number_sealed'),
    idNumberFingerprint: text(row, 'id_number_fingerprint'),
    idNumberMasked: text(row, 'id_number_masked'),
    phone: text(row, 'phone'),
    businessName: text(row, 'business_name'),
    businessAddress: text(row, 'business_address'),
    areaCode: trimmedText(row, 'area_code'),
    mcc: trimmedText(row, 'mcc'),
    businessLicenceNumber: text(row, 'business_licence_number'),
    settlementCardSealed: text(row, 'settlement_card_sealed'),
    settlementCardMasked: text(row, 'settlement_card_masked'),
    rejectionReason: text(row, 'rejection_reason'),
    merchantId: optionalText(row, 'merchant_id'),
    reviewedBy: text(row, 'reviewed_by'),
    submittedAtMs: epochMs(row, 'submitted_at'),
    decidedAtMs: optionalEpochMs(row, 'decided_at'),
  };
}

export interface NewApplication {
  readonly applicationId: string;
  readonly merchantType: string;
  readonly legalName: string;
  readonly idNumberSealed: string;
  readonly idNumberFingerprint: string;
  readonly idNumberMasked: string;
  readonly phone: string;
  readonly businessName: string;
  readonly businessAddress: string;
  readonly areaCode: string;
  readonly mcc: string;
  readonly businessLicenceNumber: string;
  readonly settlementCardSealed: string;
  readonly settlementCardMasked: string;
  readonly submittedBy: string;
}

/** Inserts unless an open application holds the same ID number or licence; undefined on that duplicate. */
export async function insertApplication(db: Queryable, input: NewApplication): Promise<ApplicationRecord | undefined> {
  const result = await db.query(
    `INSERT INTO merchant_applications (application_id, status, merchant_type, legal_name, id_number_sealed,
       id_number_fingerprint, id_number_masked, phone, business_name, business_address, area_code, mcc,
       business_licence_number, settlement_card_sealed, settlement_card_masked, submitted_by)
     VALUES ($1, 'submitted', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT DO NOTHING
     RETURNING *`,
    [
      input.applicationId,
      input.merchantType,
      input.legalName,
      input.idNumberSealed,
      input.idNumberFingerprint,
      input.idNumberMasked,
      input.phone,
      input.businessName,
      input.businessAddress,
      input.areaCode,
      input.mcc,
      input.businessLicenceNumber,
      input.settlementCardSealed,
      input.settlementCardMasked,
      input.submittedBy,
    ],
  );
  const row = firstRow(result.rows);
  return row === undefined ? undefined : applicationFromRow(row);
}

export async function findApplication(
  db: Queryable,
  applicationId: string,
  lock: 'for_update' | 'none',
): Promise<ApplicationRecord | undefined> {
  const suffix = lock === 'for_update' ? ' FOR UPDATE' : '';
  const result = await db.query(`SELECT * FROM merchant_applications WHERE application_id = $1${suffix}`, [
    applicationId,
  ]);
  const row = firstRow(result.rows);
  return row === undefined ? undefined : applicationFromRow(row);
}

export async function findApplicationOfMerchant(
  db: Queryable,
  merchantId: string,
): Promise<ApplicationRecord | undefined> {
  const result = await db.query('SELECT * FROM merchant_applications WHERE merchant_id = $1', [merchantId]);
  const row = firstRow(result.rows);
  return row === undefined ? undefined : applicationFromRow(row);
}

export async function updateApplicationStatus(
  db: Queryable,
  change: {
    readonly applicationId: string;
    readonly fromStatus: string;
    readonly toStatus: string;
    readonly reviewedBy: string;
    readonly rejectionReason: string;
    readonly merchantId: string | undefined;
    readonly decided: boolean;
  },
): Promise<ApplicationRecord> {
  const result = await db.query(
    `UPDATE merchant_applications
        SET status = $3, reviewed_by = $4, rejection_reason = $5, merchant_id = $6,
            decided_at = CASE WHEN $7 THEN now() ELSE decided_at END
      WHERE application_id = $1 AND status = $2
      RETURNING *`,
    [
      change.applicationId,
      change.fromStatus,
      change.toStatus,
      change.reviewedBy,
      change.rejectionReason,
      change.merchantId ?? null,
      change.decided,
    ],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'the application was locked in the expected status');
  return applicationFromRow(row);
}
