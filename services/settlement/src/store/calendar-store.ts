/** The business calendar's sources: the data file shipped with the service and the operators' override table. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { assert } from '@acq/assert';
import { BusinessCalendar, type CalendarData, type CalendarOverride, isIsoDate } from '../domain/calendar.ts';
import type { Queryable } from './ledger-store.ts';

export const CALENDAR_FILE_PATH = fileURLToPath(new URL('../../data/calendar-cn.json', import.meta.url));

export async function readCalendarData(path: string = CALENDAR_FILE_PATH): Promise<CalendarData> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as CalendarData;
  assert(typeof parsed.years === 'object' && parsed.years !== null, 'the calendar file lists years');
  return parsed;
}

export async function readCalendarOverrides(client: Queryable): Promise<CalendarOverride[]> {
  const result = await client.query<{ date: string; is_business_day: boolean }>(
    'SELECT date::text AS date, is_business_day FROM calendar_overrides ORDER BY date',
  );
  return result.rows.map((row) => ({ date: row.date, isBusinessDay: row.is_business_day }));
}

export async function upsertCalendarOverride(
  client: Queryable,
  override: CalendarOverride,
  reason: string,
): Promise<void> {
  assert(isIsoDate(override.date), 'overrides carry ISO dates');
  assert(reason.length > 0, 'overrides carry a reason');
  await client.query(
    `INSERT INTO calendar_overrides (date, is_business_day, reason) VALUES ($1::date, $2, $3)
     ON CONFLICT (date) DO UPDATE SET is_business_day = EXCLUDED.is_business_day, reason = EXCLUDED.reason, created_at = now()`,
    [override.date, override.isBusinessDay, reason],
  );
}

export async function loadBusinessCalendar(client: Queryable, data: CalendarData): Promise<BusinessCalendar> {
  return new BusinessCalendar(data, await readCalendarOverrides(client));
}
