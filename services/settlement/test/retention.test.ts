// Goal: applied-event ids older than the retention window are purged and younger ones kept; method: rows with chosen ages on real Postgres.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { purgeProcessedEvents } from '../src/flows/retention.ts';
import { PROCESSED_EVENTS_RETENTION_DAYS } from '../src/limits.ts';
import { createHarness, type Harness } from './support/harness.ts';

let harness: Harness;
before(async () => {
  harness = await createHarness();
});
after(async () => {
  await harness.close();
});

test('purges ids past the retention window only', async () => {
  const nowMs = Date.parse('2026-03-02T02:00:00Z');
  const dayMs = 86_400_000;
  const ages = [PROCESSED_EVENTS_RETENTION_DAYS + 1, PROCESSED_EVENTS_RETENTION_DAYS - 1, 0];
  for (const [index, ageDays] of ages.entries()) {
    await harness.pool.query(
      'INSERT INTO processed_events (event_id, processed_at) VALUES ($1, to_timestamp($2::bigint / 1000.0))',
      [`evt_${index}`, nowMs - ageDays * dayMs],
    );
  }
  expect.equal(await purgeProcessedEvents(harness.pool, nowMs), 0, 'a partial batch reports no backlog');
  const left = await harness.pool.query<{ event_id: string }>(
    'SELECT event_id FROM processed_events ORDER BY event_id',
  );
  expect.deepEqual(
    left.rows.map((row) => row.event_id),
    ['evt_1', 'evt_2'],
  );
});
