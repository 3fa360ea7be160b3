/**
 * Money is integer fen (1/100 CNY) as a branded bigint. Every conversion between wire, JSON, SQL and
 * code lives here so no float ever touches an amount. Rates are basis points scaled by 100
 * ("centi-basis-points", 1 = 0.0001%) so 0.38% = 3800 and 0.0325% = 325 stay integers.
 */
import { assert } from '@acq/assert';

declare const fenBrand: unique symbol;
export type Fen = bigint & { readonly [fenBrand]: true };

export const CURRENCY_CNY = 156;
/** DE4 is n12: the largest amount a terminal message can carry. */
export const AMOUNT_FEN_MAX = 999_999_999_999n as Fen;
/** Rate unit: 1_000_000 units = 100%. 0.60% = 6000 units. */
export const RATE_UNITS_PER_WHOLE = 1_000_000n;

export function fen(value: bigint | number | string): Fen {
  if (typeof value === 'bigint') return value as Fen;
  if (typeof value === 'number') {
    assert(Number.isSafeInteger(value), 'fen(number) needs a safe integer');
    return BigInt(value) as Fen;
  }
  const parsed = parseFen(value);
  assert(parsed !== undefined, 'fen(string) needs a digit string');
  return parsed;
}

const FEN_PATTERN = /^-?(0|[1-9][0-9]{0,17})$/;

/** Parses a JSON/SQL digit string (optionally negative); undefined when it is not one. */
export function parseFen(text: string): Fen | undefined {
  if (!FEN_PATTERN.test(text)) return undefined;
  return BigInt(text) as Fen;
}

/** Parses DE4 (n12 digit string, zero-padded) into fen; undefined when malformed. */
export function fenFromAmountField(field: string): Fen | undefined {
  if (field.length !== 12 || !/^[0-9]{12}$/.test(field)) return undefined;
  return BigInt(field) as Fen;
}

export function amountFieldFromFen(amountFen: Fen): string {
  assert(amountFen >= 0n, 'DE4 cannot carry a negative amount');
  assert(amountFen <= AMOUNT_FEN_MAX, 'DE4 overflow');
  return amountFen.toString().padStart(12, '0');
}

export function addFen(a: Fen, b: Fen): Fen {
  return (a + b) as Fen;
}

export function subtractFen(a: Fen, b: Fen): Fen {
  return (a - b) as Fen;
}

export function negateFen(a: Fen): Fen {
  return -a as Fen;
}

export function sumFen(values: Iterable<Fen>): Fen {
  let total = 0n;
  for (const value of values) total += value;
  return total as Fen;
}

export function minFen(a: Fen, b: Fen): Fen {
  return (a < b ? a : b) as Fen;
}

export function maxFen(a: Fen, b: Fen): Fen {
  return (a > b ? a : b) as Fen;
}

/**
 * Applies a rate (in RATE_UNITS_PER_WHOLE units) to an amount, rounding half up to the fen.
 * Rounding rule for fees: half up (四舍五入), the convention of Chinese acquirers' statements.
 */
export function applyRateFen(amountFen: Fen, rateUnits: bigint): Fen {
  assert(amountFen >= 0n, 'rates apply to non-negative amounts');
  assert(rateUnits >= 0n && rateUnits <= RATE_UNITS_PER_WHOLE, 'rate must be within 0..100%');
  const scaled = amountFen * rateUnits;
  const result = (scaled + RATE_UNITS_PER_WHOLE / 2n) / RATE_UNITS_PER_WHOLE;
  assert(result <= amountFen, 'a fee never exceeds its amount');
  return result as Fen;
}

/** "12.34" style yuan text for receipts and statements (never parsed back). */
export function formatYuan(amountFen: Fen): string {
  const negative = amountFen < 0n;
  const absolute = negative ? -amountFen : amountFen;
  const yuan = absolute / 100n;
  const cents = (absolute % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}
