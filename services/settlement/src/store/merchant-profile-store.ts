/** Merchant settlement profiles kept locally (fed by merchant events and GetMerchant). */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { assertFeePlan } from '../domain/fees.ts';
import type { MerchantProfile } from '../domain/settlement-events.ts';
import type { Queryable } from './ledger-store.ts';

type ProfileRow = {
  merchant_id: string;
  merchant_number: string;
  merchant_name: string;
  fee_category: string;
  debit_rate_units: bigint;
  debit_cap_fen: bigint;
  credit_rate_units: bigint;
  t0_rate_units: bigint;
  t0_fixed_fen: bigint;
  t0_enabled: boolean;
  t0_single_limit_fen: bigint;
  t0_daily_quota_fen: bigint;
  t0_suspended_until: Date | null;
  context_version: bigint;
};

function profileFromRow(row: ProfileRow): MerchantProfile {
  return {
    merchantId: row.merchant_id,
    merchantNumber: row.merchant_number,
    merchantName: row.merchant_name,
    feePlan: {
      category: row.fee_category,
      debitRateUnits: row.debit_rate_units,
      debitCapFen: row.debit_cap_fen as Fen,
      creditRateUnits: row.credit_rate_units,
      t0RateUnits: row.t0_rate_units,
      t0FixedFen: row.t0_fixed_fen as Fen,
    },
    t0Enabled: row.t0_enabled,
    t0SingleLimitFen: row.t0_single_limit_fen as Fen,
    t0DailyQuotaFen: row.t0_daily_quota_fen as Fen,
    t0SuspendedUntilMs: row.t0_suspended_until === null ? null : row.t0_suspended_until.getTime(),
    contextVersion: row.context_version,
  };
}

export async function readMerchantProfiles(
  client: Queryable,
  merchantIds: readonly string[],
  lock: 'lock' | 'no_lock',
): Promise<Map<string, MerchantProfile>> {
  const suffix = lock === 'lock' ? ' ORDER BY merchant_id FOR NO KEY UPDATE' : '';
  const result = await client.query<ProfileRow>(
    `SELECT * FROM merchant_profiles WHERE merchant_id = ANY($1::text[])${suffix}`,
    [[...new Set(merchantIds)]],
  );
  return new Map(result.rows.map((row) => [row.merchant_id, profileFromRow(row)]));
}

/**
 * Stores a profile unless a newer version is already there (events may arrive out of order). A T0
 * suspension already recorded (card change, risk) is kept: the later of the two ends wins.
 */
export async function upsertMerchantProfile(client: Queryable, profile: MerchantProfile): Promise<boolean> {
  assertFeePlan(profile.feePlan);
  assert(profile.t0SingleLimitFen >= 0n && profile.t0DailyQuotaFen >= 0n, 'T0 limits are not negative');
  const plan = profile.feePlan;
  const result = await client.query(
    `INSERT INTO merchant_profiles (merchant_id, merchant_number, merchant_name, fee_category, debit_rate_units,
       debit_cap_fen, credit_rate_units, t0_rate_units, t0_fixed_fen, t0_enabled, t0_single_limit_fen,
       t0_daily_quota_fen, t0_suspended_until, context_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, to_timestamp($13::bigint / 1000.0), $14)
     ON CONFLICT (merchant_id) DO UPDATE SET merchant_number = EXCLUDED.merchant_number,
       merchant_name = EXCLUDED.merchant_name, fee_category = EXCLUDED.fee_category,
       debit_rate_units = EXCLUDED.debit_rate_units, debit_cap_fen = EXCLUDED.debit_cap_fen,
       credit_rate_units = EXCLUDED.credit_rate_units, t0_rate_units = EXCLUDED.t0_rate_units,
       t0_fixed_fen = EXCLUDED.t0_fixed_fen, t0_enabled = EXCLUDED.t0_enabled,
       t0_single_limit_fen = EXCLUDED.t0_single_limit_fen, t0_daily_quota_fen = EXCLUDED.t0_daily_quota_fen,
       t0_suspended_until = GREATEST(merchant_profiles.t0_suspended_until, EXCLUDED.t0_suspended_until),
       context_version = EXCLUDED.context_version,
       updated_at = now()
     WHERE merchant_profiles.context_version <= EXCLUDED.context_version`,
    [
      profile.merchantId,
      profile.merchantNumber,
      profile.merchantName,
      plan.category,
      plan.debitRateUnits.toString(),
      plan.debitCapFen.toString(),
      plan.creditRateUnits.toString(),
      plan.t0RateUnits.toString(),
      plan.t0FixedFen.toString(),
      profile.t0Enabled,
      profile.t0SingleLimitFen.toString(),
      profile.t0DailyQuotaFen.toString(),
      profile.t0SuspendedUntilMs,
      profile.contextVersion.toString(),
    ],
  );
  return (result.rowCount ?? 0) === 1;
}

/** T0 suspension input (settlement-card change cooldown, risk decision): pauses T0 until `untilMs`. */
export async function suspendT0(client: Queryable, merchantId: string, untilMs: number): Promise<boolean> {
  assert(Number.isSafeInteger(untilMs), 'suspensions end at an instant');
  const result = await client.query(
    `UPDATE merchant_profiles SET t0_suspended_until = GREATEST(COALESCE(t0_suspended_until, to_timestamp(0)),
       to_timestamp($2::bigint / 1000.0)), updated_at = now() WHERE merchant_id = $1`,
    [merchantId, untilMs],
  );
  return (result.rowCount ?? 0) === 1;
}
