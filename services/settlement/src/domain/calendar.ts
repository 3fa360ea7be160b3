/**
 * The business-day calendar as data: State Council holidays and make-up working days (调休) from
 * data/calendar-cn.json, plus operator overrides (a table) that win over the file. Dates are plain
 * `YYYY-MM-DD` strings in Asia/Shanghai; China has no daylight saving time, so local time is UTC+8.
 */
import { assert } from '@acq/assert';
import { CALENDAR_SEARCH_DAYS_MAX, NEXT_BUSINESS_DAY_CACHE_SIZE_MAX } from '../limits.ts';

export type IsoDate = string;
const ISO_DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DAY_MS = 86_400_000;
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

type HolidayRange = { readonly name: string; readonly from: IsoDate; readonly to: IsoDate };
export type CalendarYearData = {
  readonly status: 'published' | 'provisional';
  readonly source: string;
  readonly holidays: readonly HolidayRange[];
  readonly makeupWorkdays: readonly IsoDate[];
};
export type CalendarData = { readonly years: Readonly<Record<string, CalendarYearData>> };
export type CalendarOverride = { readonly date: IsoDate; readonly isBusinessDay: boolean };

export class CalendarError extends Error {
  override readonly name = 'CalendarError';
  readonly code = 'CALENDAR_YEAR_MISSING';
}

export function isIsoDate(text: string): text is IsoDate {
  if (!ISO_DATE_PATTERN.test(text)) return false;
  return new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  assert(isIsoDate(date), 'addDays needs an ISO date');
  assert(Number.isSafeInteger(days), 'addDays needs whole days');
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Start of the local (Asia/Shanghai) day as epoch milliseconds. */
export function localDayStartMs(date: IsoDate): number {
  assert(isIsoDate(date), 'localDayStartMs needs an ISO date');
  return Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS;
}

export function localDateOf(epochMs: number): IsoDate {
  assert(Number.isSafeInteger(epochMs), 'epoch milliseconds are integers');
  return new Date(epochMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The business date a transaction is booked to: its local date, or the next calendar day when it
 * happens at or after the daily cutoff (e.g. 23:00), because the clearing batch closes at the cutoff.
 */
export function bookingDateOf(epochMs: number, cutoffMinuteOfDay: number): IsoDate {
  assert(cutoffMinuteOfDay >= 0 && cutoffMinuteOfDay < 1440, 'cutoff lies within the day');
  const local = new Date(epochMs + SHANGHAI_OFFSET_MS);
  const minuteOfDay = local.getUTCHours() * 60 + local.getUTCMinutes();
  const date = local.toISOString().slice(0, 10);
  return minuteOfDay >= cutoffMinuteOfDay ? addDays(date, 1) : date;
}

export class BusinessCalendar {
  readonly #holidays = new Set<IsoDate>();
  readonly #makeupWorkdays = new Set<IsoDate>();
  readonly #years = new Set<string>();
  readonly #overrides = new Map<IsoDate, boolean>();
  readonly #nextBusinessDays = new Map<IsoDate, IsoDate>();

  constructor(data: CalendarData, overrides: readonly CalendarOverride[]) {
    for (const [year, yearData] of Object.entries(data.years)) {
      this.#years.add(year);
      for (const range of yearData.holidays) this.#addRange(year, range);
      for (const date of yearData.makeupWorkdays) {
        assert(isIsoDate(date) && date.startsWith(year), 'make-up working days belong to their year');
        assert(!this.#holidays.has(date), 'a day is not both a holiday and a make-up working day');
        this.#makeupWorkdays.add(date);
      }
    }
    for (const override of overrides) {
      assert(isIsoDate(override.date), 'overrides carry ISO dates');
      this.#overrides.set(override.date, override.isBusinessDay);
    }
  }

  #addRange(year: string, range: HolidayRange): void {
    assert(isIsoDate(range.from) && isIsoDate(range.to), 'holiday ranges carry ISO dates');
    assert(range.from <= range.to, 'holiday ranges are ordered');
    let date = range.from;
    for (let step = 0; step <= 31 && date <= range.to; step += 1) {
      assert(date.startsWith(year), 'holidays belong to their year');
      this.#holidays.add(date);
      date = addDays(date, 1);
    }
    assert(date > range.to, 'a holiday range spans at most a month');
  }

  isBusinessDay(date: IsoDate): boolean {
    assert(isIsoDate(date), 'isBusinessDay needs an ISO date');
    const override = this.#overrides.get(date);
    if (override !== undefined) return override;
    if (!this.#years.has(date.slice(0, 4))) throw new CalendarError(`no calendar data for ${date.slice(0, 4)}`);
    if (this.#makeupWorkdays.has(date)) return true;
    if (this.#holidays.has(date)) return false;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /**
   * The first business day strictly after `date` (T1 of a booking date). Remembered per date: every
   * transaction asks, and almost all of them ask about today (the calendar never changes; a reload
   * builds a new one).
   */
  nextBusinessDay(date: IsoDate): IsoDate {
    const known = this.#nextBusinessDays.get(date);
    if (known !== undefined) return known;
    let candidate = addDays(date, 1);
    for (let step = 0; step < CALENDAR_SEARCH_DAYS_MAX; step += 1) {
      if (this.isBusinessDay(candidate)) {
        if (this.#nextBusinessDays.size >= NEXT_BUSINESS_DAY_CACHE_SIZE_MAX) this.#nextBusinessDays.clear();
        this.#nextBusinessDays.set(date, candidate);
        return candidate;
      }
      candidate = addDays(candidate, 1);
    }
    assert(false, 'the calendar has no business day within the search window');
  }
}
