/**
 * Time for the simulator. Every rule that depends on time takes "now" in epoch milliseconds from an
 * injected clock so tests can move time forward instead of sleeping. Business dates are
 * Asia/Shanghai calendar dates (UTC+8, no daylight saving).
 */
import { assert } from '@acq/assert';

export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The network closes a clearing day at 23:00 Asia/Shanghai; later approvals clear the next day. */
const CLEARING_CUTOFF_SHIFT_MS = 60 * 60 * 1000;

/** A clock tests can set and advance. */
export class ManualClock {
  private nowMs: number;
  constructor(startMs: number) {
    assert(Number.isSafeInteger(startMs) && startMs > 0, 'ManualClock needs a positive epoch ms');
    this.nowMs = startMs;
  }
  readonly now: Clock = () => this.nowMs;
  advance(deltaMs: number): void {
    assert(Number.isSafeInteger(deltaMs) && deltaMs >= 0, 'time only moves forward');
    this.nowMs += deltaMs;
  }
}

/** YYYYMMDD of the Asia/Shanghai calendar day containing nowMs. */
export function shanghaiDate(nowMs: number): string {
  const shifted = new Date(nowMs + SHANGHAI_OFFSET_MS);
  const year = shifted.getUTCFullYear().toString().padStart(4, '0');
  const month = (shifted.getUTCMonth() + 1).toString().padStart(2, '0');
  const day = shifted.getUTCDate().toString().padStart(2, '0');
  return `${year}${month}${day}`;
}

/** The clearing date an approval at nowMs belongs to (23:00 Asia/Shanghai cut-off). */
export function clearingDate(nowMs: number): string {
  return shanghaiDate(nowMs + CLEARING_CUTOFF_SHIFT_MS);
}

/** Epoch ms of the next Asia/Shanghai midnight strictly after nowMs. */
export function nextShanghaiMidnightMs(nowMs: number): number {
  const shanghaiMs = nowMs + SHANGHAI_OFFSET_MS;
  const next = (Math.floor(shanghaiMs / DAY_MS) + 1) * DAY_MS - SHANGHAI_OFFSET_MS;
  assert(next > nowMs, 'next midnight is in the future');
  return next;
}

/** YYMM of the Asia/Shanghai month containing nowMs (card expiry format). */
export function shanghaiYearMonth(nowMs: number): string {
  return shanghaiDate(nowMs).slice(2, 6);
}

const DATE_PATTERN = /^[0-9]{8}$/;

/** True for a real calendar date written YYYYMMDD. */
export function isCalendarDate(text: string): boolean {
  if (!DATE_PATTERN.test(text)) return false;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
