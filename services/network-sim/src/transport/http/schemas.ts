/**
 * Shared TypeBox pieces of the admin API: money as digit strings (integers accepted on input),
 * error bodies, and the mapping from a JSON amount to Fen.
 */
import { assert } from '@acq/assert';
import { type Fen, parseFen } from '@acq/money';
import { type Static, Type } from '@sinclair/typebox';

/** Non-negative fen: a digit string or a safe integer on input. */
export const FenInput = Type.Union([Type.String({ pattern: '^(0|[1-9][0-9]{0,17})$' }), Type.Integer({ minimum: 0 })]);
/** Fen on output: always a digit string (may be negative for balances past zero). */
export const FenOutput = Type.String({ pattern: '^-?[0-9]+$' });

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() }, { additionalProperties: false });
export type ErrorBodyType = Static<typeof ErrorBody>;

export const DateParam = Type.String({ pattern: '^[0-9]{8}$', description: 'YYYYMMDD (Asia/Shanghai clearing date)' });
export const PanText = Type.String({ pattern: '^[0-9]{13,19}$' });
export const PhoneText = Type.String({ pattern: '^1[0-9]{10}$' });
export const Rate = Type.Number({ minimum: 0, maximum: 1 });
export const IdText = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });

export function fenFromJson(value: string | number): Fen {
  const parsed = typeof value === 'number' ? BigInt(value) : parseFen(value);
  assert(parsed !== undefined && parsed >= 0n, 'schema validated a non-negative amount');
  return parsed as Fen;
}

export function optionalFen(value: string | number | undefined): Fen | undefined {
  return value === undefined ? undefined : fenFromJson(value);
}

export function errorBody(error: string, message: string): ErrorBodyType {
  return { error, message };
}

export function isoTime(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
