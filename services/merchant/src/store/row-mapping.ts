/**
 * Row -> record conversion. Columns arrive as pg parses them (int8 as bigint via @acq/db, timestamptz
 * as Date); every conversion checks its type so a schema drift fails loudly instead of corrupting data.
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import { FEE_CATEGORIES, type FeePlan } from '../domain/fee-plans.ts';
import type { TerminalLocationRecord } from './records.ts';

export type Row = Record<string, unknown>;

export function text(row: Row, column: string): string {
  const value = row[column];
  assert(typeof value === 'string', `column ${column} is text`);
  return value;
}

export function trimmedText(row: Row, column: string): string {
  return text(row, column).trimEnd();
}

export function bool(row: Row, column: string): boolean {
  const value = row[column];
  assert(typeof value === 'boolean', `column ${column} is boolean`);
  return value;
}

export function int(row: Row, column: string): number {
  const value = row[column];
  assert(typeof value === 'number' && Number.isInteger(value), `column ${column} is an integer`);
  return value;
}

export function int8(row: Row, column: string): bigint {
  const value = row[column];
  assert(typeof value === 'bigint', `column ${column} is int8 parsed as bigint`);
  return value;
}

export function money(row: Row, column: string): Fen {
  return fen(int8(row, column));
}

export function optionalMoney(row: Row, column: string): Fen | undefined {
  return row[column] === null ? undefined : money(row, column);
}

export function optionalText(row: Row, column: string): string | undefined {
  return row[column] === null ? undefined : text(row, column);
}

export function epochMs(row: Row, column: string): number {
  const value = row[column];
  assert(value instanceof Date, `column ${column} is a timestamp`);
  return value.getTime();
}

export function optionalEpochMs(row: Row, column: string): number | undefined {
  return row[column] === null ? undefined : epochMs(row, column);
}

export function oneOf<T extends string>(row: Row, column: string, allowed: readonly T[]): T {
  const value = text(row, column);
  const found = allowed.find((candidate) => candidate === value);
  assert(found !== undefined, `column ${column} holds an allowed value`);
  return found;
}

/** The fee plan columns shared by merchants and the terminal context query. */
export function feePlanFromRow(row: Row): FeePlan {
  return {
    category: oneOf(row, 'fee_category', FEE_CATEGORIES),
    debitRateUnits: int8(row, 'debit_rate_units'),
    debitCapFen: money(row, 'debit_cap_fen'),
    creditRateUnits: int8(row, 'credit_rate_units'),
    t0RateUnits: int8(row, 't0_rate_units'),
    t0FixedFen: money(row, 't0_fixed_fen'),
    t0SingleLimitFen: optionalMoney(row, 't0_single_limit_fen'),
    t0DailyQuotaFen: optionalMoney(row, 't0_daily_quota_fen'),
  };
}

export function locationFromRow(row: Row): TerminalLocationRecord | undefined {
  if (row.location_reported_at === null) return undefined;
  return {
    latitudeE6: int(row, 'latitude_e6'),
    longitudeE6: int(row, 'longitude_e6'),
    areaCode: text(row, 'location_area_code'),
    reportedAtMs: epochMs(row, 'location_reported_at'),
  };
}

export function firstRow(rows: readonly Row[]): Row | undefined {
  assert(rows.length <= 1, 'a keyed lookup returns at most one row');
  return rows[0];
}
