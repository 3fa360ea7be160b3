// Goal: business days, make-up working days, overrides and the cutoff give the right T1 dates; method: literal dates from the State Council notices.
import { strict as expect } from 'node:assert';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BusinessCalendar, bookingDateOf, type CalendarData, CalendarError, isIsoDate } from './calendar.ts';

const data = JSON.parse(readFileSync(new URL('../../data/calendar-cn.json', import.meta.url), 'utf8')) as CalendarData;
const calendar = new BusinessCalendar(data, []);

test('weekends, holidays and make-up working days', () => {
  expect.equal(calendar.isBusinessDay('2026-03-02'), true); // Monday
  expect.equal(calendar.isBusinessDay('2026-03-01'), false); // Sunday
  expect.equal(calendar.isBusinessDay('2026-02-16'), false); // Spring Festival
  expect.equal(calendar.isBusinessDay('2026-02-14'), true); // make-up Saturday
  expect.equal(calendar.isBusinessDay('2026-01-04'), true); // make-up Sunday
});

test('T1 across Spring Festival 2026 and the New Year make-up Sunday', () => {
  expect.equal(calendar.nextBusinessDay('2026-02-13'), '2026-02-14');
  expect.equal(calendar.nextBusinessDay('2026-02-14'), '2026-02-24');
  expect.equal(calendar.nextBusinessDay('2025-12-31'), '2026-01-04');
  expect.equal(calendar.nextBusinessDay('2026-09-30'), '2026-10-08');
  expect.equal(calendar.nextBusinessDay('2026-10-08'), '2026-10-09');
  expect.equal(calendar.nextBusinessDay('2026-10-09'), '2026-10-10'); // make-up Saturday
});

test('operator overrides win over the file', () => {
  const overridden = new BusinessCalendar(data, [{ date: '2026-03-02', isBusinessDay: false }]);
  expect.equal(overridden.nextBusinessDay('2026-02-27'), '2026-02-28');
  expect.equal(overridden.nextBusinessDay('2026-02-28'), '2026-03-03');
});

test('years without data are refused, not guessed', () => {
  expect.throws(() => calendar.isBusinessDay('2031-05-05'), CalendarError);
});

test('cutoff moves late transactions to the next booking date', () => {
  const cutoff = 23 * 60;
  // 2026-03-02 22:59:59 Shanghai = 14:59:59 UTC.
  expect.equal(bookingDateOf(Date.parse('2026-03-02T14:59:59Z'), cutoff), '2026-03-02');
  expect.equal(bookingDateOf(Date.parse('2026-03-02T15:00:00Z'), cutoff), '2026-03-03');
  // 00:30 Shanghai on 03-03 is 16:30 UTC on 03-02.
  expect.equal(bookingDateOf(Date.parse('2026-03-02T16:30:00Z'), cutoff), '2026-03-03');
});

test('ISO date validation refuses impossible dates', () => {
  expect.equal(isIsoDate('2026-02-29'), false);
  expect.equal(isIsoDate('2028-02-29'), true);
  expect.equal(isIsoDate('2026-2-1'), false);
});
