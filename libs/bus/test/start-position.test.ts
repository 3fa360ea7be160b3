// Goal: a new consumer group starts where asked: `earliest` replays retained events, `latest` sees
// only events published after it subscribed, and an existing group keeps its stored position.
// Method: publish to a private Postgres log, subscribe groups with each setting, compare what they saw.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import {
  type BusEvent,
  buildEvent,
  createPostgresLogPublisher,
  ensureBusTables,
  ensurePostgresLog,
  subscribe,
} from '../src/index.ts';
import { decodeSequence, encodeSequence, recordingLogger, waitFor } from './helpers.ts';

let database: TestDatabase;

before(async () => {
  database = await testDatabase();
});
after(async () => {
  await database.close();
});

test('earliest replays, latest skips the past, and a restarted group resumes', async () => {
  const busSchema = await database.createSchema('bus');
  const schema = await database.createSchema('start');
  const pool = database.createPool(schema);
  await ensurePostgresLog(pool, busSchema);
  await ensureBusTables(pool, schema);
  const publisher = createPostgresLogPublisher({ pool, busSchema });
  const event = (sequence: number): BusEvent =>
    buildEvent({ topic: 'start.t', key: `k${sequence}`, type: 't.T', payload: encodeSequence(sequence) });
  await publisher.publish([event(1), event(2)]);
  const seenBy = { earliest: [] as number[], latest: [] as number[] };
  const start = (group: 'earliest' | 'latest') =>
    subscribe({
      pool,
      schema,
      group,
      topics: ['start.t'],
      backend: 'postgres',
      busSchema,
      startFrom: group,
      retryCountMax: 3,
      pollIntervalMs: 50,
      logger: recordingLogger(),
      handler: async (received) => {
        seenBy[group].push(decodeSequence(received.payload));
      },
    });
  const earliest = await start('earliest');
  const latest = await start('latest');
  assert.equal(await latest.lag(), 0);
  await publisher.publish([event(3)]);
  await waitFor('both groups caught up', async () => (await earliest.lag()) === 0 && (await latest.lag()) === 0);
  await latest.stop();
  await publisher.publish([event(4)]);
  const resumed = await start('latest');
  await waitFor('resumed group caught up', async () => (await resumed.lag()) === 0);
  await Promise.all([earliest.stop(), resumed.stop()]);
  assert.deepEqual(
    [...seenBy.earliest].sort((a, b) => a - b),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    [...seenBy.latest].sort((a, b) => a - b),
    [3, 4],
  );
});
