/** SQL for merchants, their number sequences, fee plans and the T0 flag. */
import { assert } from '@acq/assert';
import { MERCHANT_TYPES } from '../domain/application.ts';
import type { FeePlan } from '../domain/fee-plans.ts';
import { MERCHANT_NUMBER_SEQUENCE_MAX } from '../domain/merchant-number.ts';
import { MERCHANT_STATUSES, type MerchantStatus } from '../domain/terminal-rules.ts';
import type { Queryable } from './queryable.ts';
import type { MerchantRecord } from './records.ts';
import {
  bool,
  epochMs,
  feePlanFromRow,
  firstRow,
  int,
  int8,
  oneOf,
  type Row,
  text,
  trimmedText,
} from './row-mapping.ts';

function merchantFromRow(row: Row): MerchantRecord {
  return {
    merchantId: text(row, 'merchant_id'),
    merchantNumber: text(row, 'merchant_number'),
    applicationId: text(row, 'application_id'),
    merchantType: oneOf(row, 'merchant_type', MERCHANT_TYPES),
    legalName: text(row, 'legal_name'),
    businessName: text(row, 'business_name'),
    businessAddress: text(row, 'business_address'),
    areaCode: trimmedText(row, 'area_code'),
    mcc: trimmedText(row, 'mcc'),
    phone: text(row, 'phone'),
    status: oneOf(row, 'status', MERCHANT_STATUSES),
    statusReason: text(row, 'status_reason'),
    feePlan: feePlanFromRow(row),
    feePlanOverridden: bool(row, 'fee_plan_overridden'),
    t0Enabled: bool(row, 't0_enabled'),
    createdAtMs: epochMs(row, 'created_at'),
    version: int8(row, 'version'),
  };
}

/**
 * Takes the next 4-digit sequence for an 11-digit prefix (row lock serializes concurrent approvals of the
 * same area and MCC); undefined when the prefix has used all 9999 numbers.
 */
export async function takeMerchantSequence(db: Queryable, prefix: string): Promise<number | undefined> {
  assert(prefix.length === 11, 'prefix is 11 digits');
  const result = await db.query(
    `INSERT INTO merchant_number_sequences (prefix, last_sequence) VALUES ($1, 1)
     ON CONFLICT (prefix) DO UPDATE SET last_sequence = merchant_number_sequences.last_sequence + 1
       WHERE merchant_number_sequences.last_sequence < $2
     RETURNING last_sequence`,
    [prefix, MERCHANT_NUMBER_SEQUENCE_MAX],
  );
  const row = firstRow(result.rows);
  return row === undefined ? undefined : int(row, 'last_sequence');
}

export interface NewMerchant {
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly applicationId: string;
  readonly merchantType: string;
  readonly legalName: string;
  readonly businessName: string;
  readonly businessAddress: string;
  readonly areaCode: string;
  readonly mcc: string;
  readonly phone: string;
  readonly businessLicenceNumber: string;
  readonly idNumberFingerprint: string;
  readonly feePlan: FeePlan;
  readonly feePlanOverridden: boolean;
}

/** Inserts the merchant; undefined when an open merchant already holds the enterprise licence number. */
export async function insertMerchant(db: Queryable, input: NewMerchant): Promise<MerchantRecord | undefined> {
  const plan = input.feePlan;
  const result = await db.query(
    `INSERT INTO merchants (merchant_id, merchant_number, application_id, merchant_type, legal_name, business_name,
       business_address, area_code, mcc, phone, business_licence_number, id_number_fingerprint, fee_category,
       debit_rate_units, debit_cap_fen, credit_rate_units, t0_rate_units, t0_fixed_fen, fee_plan_overridden,
       t0_single_limit_fen, t0_daily_quota_fen)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
     ON CONFLICT (business_licence_number) WHERE business_licence_number <> '' AND status <> 'closed' DO NOTHING
     RETURNING *`,
    [
      input.merchantId,
      input.merchantNumber,
      input.applicationId,
      input.merchantType,
      input.legalName,
      input.businessName,
      input.businessAddress,
      input.areaCode,
      input.mcc,
      input.phone,
      input.businessLicenceNumber,
      input.idNumberFingerprint,
      plan.category,
      plan.debitRateUnits,
      plan.debitCapFen,
      plan.creditRateUnits,
      plan.t0RateUnits,
      plan.t0FixedFen,
      input.feePlanOverridden,
      plan.t0SingleLimitFen ?? null,
      plan.t0DailyQuotaFen ?? null,
    ],
  );
  const row = firstRow(result.rows);
  return row === undefined ? undefined : merchantFromRow(row);
}

export async function findMerchant(
  db: Queryable,
  merchantId: string,
  lock: 'for_update' | 'for_share' | 'none',
): Promise<MerchantRecord | undefined> {
  const suffix = lock === 'for_update' ? ' FOR UPDATE' : lock === 'for_share' ? ' FOR SHARE' : '';
  const result = await db.query(`SELECT * FROM merchants WHERE merchant_id = $1${suffix}`, [merchantId]);
  const row = firstRow(result.rows);
  return row === undefined ? undefined : merchantFromRow(row);
}

export async function findMerchantByNumber(db: Queryable, merchantNumber: string): Promise<MerchantRecord | undefined> {
  const result = await db.query('SELECT * FROM merchants WHERE merchant_number = $1', [merchantNumber]);
  const row = firstRow(result.rows);
  return row === undefined ? undefined : merchantFromRow(row);
}

/** One UPDATE for every merchant change: each bumps the version that caches compare. */
async function updateMerchant(db: Queryable, merchantId: string, setClause: string, values: unknown[]) {
  const result = await db.query(
    `UPDATE merchants SET ${setClause}, version = nextval('context_version_seq') WHERE merchant_id = $1 RETURNING *`,
    [merchantId, ...values],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'the merchant exists (callers lock it first)');
  return merchantFromRow(row);
}

export function updateMerchantStatus(
  db: Queryable,
  merchantId: string,
  status: MerchantStatus,
  reason: string,
): Promise<MerchantRecord> {
  return updateMerchant(db, merchantId, 'status = $2, status_reason = $3', [status, reason]);
}

export function updateMerchantFeePlan(
  db: Queryable,
  merchantId: string,
  plan: FeePlan,
  overridden: boolean,
): Promise<MerchantRecord> {
  return updateMerchant(
    db,
    merchantId,
    `fee_category = $2, debit_rate_units = $3, debit_cap_fen = $4, credit_rate_units = $5, t0_rate_units = $6,
     t0_fixed_fen = $7, fee_plan_overridden = $8, t0_single_limit_fen = $9, t0_daily_quota_fen = $10`,
    [
      plan.category,
      plan.debitRateUnits,
      plan.debitCapFen,
      plan.creditRateUnits,
      plan.t0RateUnits,
      plan.t0FixedFen,
      overridden,
      plan.t0SingleLimitFen ?? null,
      plan.t0DailyQuotaFen ?? null,
    ],
  );
}

export function updateMerchantT0(db: Queryable, merchantId: string, enabled: boolean): Promise<MerchantRecord> {
  return updateMerchant(db, merchantId, 't0_enabled = $2', [enabled]);
}
