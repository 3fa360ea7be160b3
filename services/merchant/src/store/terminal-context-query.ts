/**
 * The hot-path read: a terminal joined to its merchant by primary keys, one statement. The context
 * version is the larger of the two rows' versions, both drawn from one sequence, so it only grows.
 */
import { MERCHANT_TYPES } from '../domain/application.ts';
import { MERCHANT_STATUSES, TERMINAL_STATUSES } from '../domain/terminal-rules.ts';
import type { Queryable } from './queryable.ts';
import type { TerminalContextRecord } from './records.ts';
import {
  bool,
  feePlanFromRow,
  firstRow,
  int8,
  locationFromRow,
  oneOf,
  optionalEpochMs,
  type Row,
  text,
  trimmedText,
} from './row-mapping.ts';

const TERMINAL_CONTEXT_SQL = `
  SELECT t.terminal_id, t.serial_number, t.merchant_id, m.merchant_number, m.business_name, m.mcc, m.area_code,
         m.merchant_type, m.status AS merchant_status, t.status AS terminal_status, t.bound_at, t.rebound_at,
         t.signed_in, t.batch_number, t.tmk_under_master_key, t.pik_under_master_key, t.mak_under_master_key,
         t.tdk_under_master_key, m.t0_enabled, m.fee_category, m.debit_rate_units, m.debit_cap_fen,
         m.credit_rate_units, m.t0_rate_units, m.t0_fixed_fen, m.t0_single_limit_fen, m.t0_daily_quota_fen,
         t.latitude_e6, t.longitude_e6,
         t.location_area_code, t.location_reported_at, GREATEST(t.version, m.version) AS context_version
    FROM terminals t JOIN merchants m ON m.merchant_id = t.merchant_id
   WHERE t.terminal_id = $1`;

function contextFromRow(row: Row): TerminalContextRecord {
  return {
    terminalId: trimmedText(row, 'terminal_id'),
    serialNumber: text(row, 'serial_number'),
    merchantId: text(row, 'merchant_id'),
    merchantNumber: text(row, 'merchant_number'),
    merchantName: text(row, 'business_name'),
    mcc: trimmedText(row, 'mcc'),
    areaCode: trimmedText(row, 'area_code'),
    merchantType: oneOf(row, 'merchant_type', MERCHANT_TYPES),
    merchantStatus: oneOf(row, 'merchant_status', MERCHANT_STATUSES),
    terminalStatus: oneOf(row, 'terminal_status', TERMINAL_STATUSES),
    boundAtMs: optionalEpochMs(row, 'bound_at'),
    reboundAtMs: optionalEpochMs(row, 'rebound_at'),
    signedIn: bool(row, 'signed_in'),
    batchNumber: text(row, 'batch_number'),
    tmkUnderMasterKey: text(row, 'tmk_under_master_key'),
    pikUnderMasterKey: text(row, 'pik_under_master_key'),
    makUnderMasterKey: text(row, 'mak_under_master_key'),
    tdkUnderMasterKey: text(row, 'tdk_under_master_key'),
    t0Enabled: bool(row, 't0_enabled'),
    feePlan: feePlanFromRow(row),
    location: locationFromRow(row),
    contextVersion: int8(row, 'context_version'),
  };
}

export async function readTerminalContext(
  db: Queryable,
  terminalId: string,
): Promise<TerminalContextRecord | undefined> {
  const result = await db.query({
    name: 'merchant_terminal_context',
    text: TERMINAL_CONTEXT_SQL,
    values: [terminalId],
  });
  const row = firstRow(result.rows);
  return row === undefined ? undefined : contextFromRow(row);
}
