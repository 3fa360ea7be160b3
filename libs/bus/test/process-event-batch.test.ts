// Goal: prove the inbox rules for per-event and batch handlers: duplicates are skipped (also
// inside one batch), a handler error rolls back only its own event (a failed batch is retried
// event by event to find it), an event whose earlier attempt crashed runs alone, and repeated
// crashes or failures end in dead_letter with the reason. Method: call processEventBatch on real
// Postgres with seeded inbox rows.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type TestDatabase, testDatabase } from '@acq/testkit';
import type pg from 'pg';
import {
  type BusEvent,
  buildEvent,
  ensureBusTables,
  type ProcessEventBatchOptions,
  processEventBatch,
} from '../src/index.ts';
import { decodeSequence, encodeSequence, recordingLogger } from './helpers.ts';

let database: TestDatabase;
let pool: pg.Pool;
let schema: string;
let handled: number[];
let failOn: Set<number>;
let positions: number[];

before(async () => {
  database = await testDatabase();
  schema = await database.createSchema('inbox');
  pool = database.createPool(schema);
  await ensureBusTables(pool, schema);
  await pool.query('CREATE TABLE applied (sequence int NOT NULL)');
});
after(async () => {
  await database.close();
});
beforeEach(async () => {
  handled = [];
  failOn = new Set();
  positions = [];
  await pool.query('TRUNCATE applied, inbox, dead_letter');
});

function events(count: number): BusEvent[] {
  return Array.from({ length: count }, (_, index) =>
    buildEvent({ topic: 'inbox.test', key: 'k', type: 'test.Sequenced', payload: encodeSequence(index + 1) }),
  );
}

function options(overrides: Partial<ProcessEventBatchOptions> = {}): ProcessEventBatchOptions {
  return {
    pool,
    schema,
    group: 'g1',
    retryCountMax: 3,
    logger: recordingLogger(),
    handler: async (event, client) => {
      const sequence = decodeSequence(event.payload);
      handled.push(sequence);
      await client.query('INSERT INTO applied (sequence) VALUES ($1)', [sequence]);
      if (failOn.has(sequence)) throw new Error(`refused ${sequence}`);
    },
    commitPosition: async (_client, completedCount) => {
      positions.push(completedCount);
    },
    ...overrides,
  };
}

async function applied(): Promise<number[]> {
  return (await pool.query('SELECT sequence FROM applied ORDER BY sequence')).rows.map((row) => row.sequence);
}

async function seedInbox(event: BusEvent, startedAttempts: number, failedAttempts: number): Promise<void> {
  await pool.query(
    `INSERT INTO inbox (consumer_group, event_id, topic, event_key, event_type, started_attempts, failed_attempts)
     VALUES ('g1', $1, $2, $3, $4, $5, $6)`,
    [event.id, event.topic, event.key, event.type, startedAttempts, failedAttempts],
  );
}

describe('processEventBatch', () => {
  test('processes a batch once; a redelivery is skipped, also within one batch', async () => {
    const batch = events(3);
    assert.deepEqual(await processEventBatch(options(), batch), { completedCount: 3, retryAfterMs: undefined });
    const logger = recordingLogger();
    const redelivered = [batch[0], batch[1], batch[1], batch[2]] as BusEvent[];
    assert.deepEqual(await processEventBatch(options({ logger }), redelivered), {
      completedCount: 4,
      retryAfterMs: undefined,
    });
    assert.deepEqual(handled, [1, 2, 3]);
    assert.deepEqual(await applied(), [1, 2, 3]);
    assert.deepEqual(positions, [3, 4]);
    assert.deepEqual(
      logger.lines.map((line) => [line.message, line.fields]),
      [['skipped duplicate events', { group: 'g1', duplicateCount: 4 }]],
    );
    const inbox = await pool.query(
      'SELECT started_attempts, failed_attempts, processed_at IS NOT NULL AS done FROM inbox',
    );
    assert.deepEqual(inbox.rows, Array(3).fill({ started_attempts: 1, failed_attempts: 0, done: true }));
  });

  test('another consumer group processes the same events independently', async () => {
    const batch = events(2);
    await processEventBatch(options(), batch);
    await processEventBatch(options({ group: 'g2' }), batch);
    assert.deepEqual(handled, [1, 2, 1, 2]);
  });

  test('a handler error rolls back only its event, keeps the ones before, and asks for a retry', async () => {
    const batch = events(4);
    failOn.add(3);
    const result = await processEventBatch(options(), batch);
    assert.deepEqual(result, { completedCount: 2, retryAfterMs: 200 });
    assert.deepEqual(await applied(), [1, 2]);
    assert.deepEqual(positions, [2]);
    const failed = await pool.query(
      'SELECT started_attempts, failed_attempts, last_error FROM inbox WHERE event_id = $1',
      [batch[2]?.id],
    );
    assert.deepEqual(failed.rows[0], { started_attempts: 1, failed_attempts: 1, last_error: 'refused 3' });
    // Event 4 never ran, so its started mark was taken back: it is not a crash suspect.
    const notRun = await pool.query('SELECT started_attempts FROM inbox WHERE event_id = $1', [batch[3]?.id]);
    assert.deepEqual(notRun.rows[0], { started_attempts: 0 });
    failOn.clear();
    assert.deepEqual(await processEventBatch(options(), batch.slice(2)), {
      completedCount: 2,
      retryAfterMs: undefined,
    });
    assert.deepEqual(await applied(), [1, 2, 3, 4]);
  });

  test('after retryCountMax handler failures the event is dead-lettered and the partition moves on', async () => {
    const batch = events(3);
    failOn.add(2);
    const backoffs: (number | undefined)[] = [];
    for (let attempt = 1; attempt <= 2; attempt++)
      backoffs.push((await processEventBatch(options(), batch.slice(1))).retryAfterMs);
    assert.deepEqual(backoffs, [200, 400]);
    const final = await processEventBatch(options(), batch.slice(1));
    assert.deepEqual(final, { completedCount: 1, retryAfterMs: undefined });
    assert.deepEqual(await processEventBatch(options(), batch.slice(2)), {
      completedCount: 1,
      retryAfterMs: undefined,
    });
    assert.deepEqual(await applied(), [3]);
    const deadLetter = await pool.query('SELECT reason, started_attempts, failed_attempts, event_key FROM dead_letter');
    assert.deepEqual(deadLetter.rows, [
      { reason: 'handler failed 3 times: refused 2', started_attempts: 3, failed_attempts: 3, event_key: 'k' },
    ]);
    // A dead-lettered event counts as finished: a redelivery does not run it again.
    handled = [];
    assert.deepEqual(await processEventBatch(options(), batch.slice(1, 2)), {
      completedCount: 1,
      retryAfterMs: undefined,
    });
    assert.deepEqual(handled, []);
  });

  test('an event whose earlier attempt crashed runs alone, after the events before it', async () => {
    const batch = events(4);
    await seedInbox(batch[2] as BusEvent, 1, 0);
    assert.deepEqual(await processEventBatch(options(), batch), { completedCount: 2, retryAfterMs: undefined });
    assert.deepEqual(handled, [1, 2]);
    assert.deepEqual(await processEventBatch(options(), batch.slice(2)), {
      completedCount: 1,
      retryAfterMs: undefined,
    });
    assert.deepEqual(handled, [1, 2, 3]);
    assert.deepEqual(await processEventBatch(options(), batch.slice(3)), {
      completedCount: 1,
      retryAfterMs: undefined,
    });
    assert.deepEqual(await applied(), [1, 2, 3, 4]);
  });

  test('an event that crashed the process retryCountMax times is dead-lettered without running', async () => {
    const batch = events(2);
    await seedInbox(batch[0] as BusEvent, 3, 0);
    assert.deepEqual(await processEventBatch(options(), batch), { completedCount: 1, retryAfterMs: undefined });
    assert.deepEqual(handled, []);
    const deadLetter = await pool.query('SELECT reason FROM dead_letter');
    assert.deepEqual(deadLetter.rows, [{ reason: 'processing crashed 3 times without finishing' }]);
    assert.deepEqual(await processEventBatch(options(), batch.slice(1)), {
      completedCount: 1,
      retryAfterMs: undefined,
    });
    assert.deepEqual(handled, [2]);
  });

  test('one below the crash limit still runs', async () => {
    const batch = events(1);
    await seedInbox(batch[0] as BusEvent, 2, 0);
    assert.deepEqual(await processEventBatch(options(), batch), { completedCount: 1, retryAfterMs: undefined });
    assert.deepEqual(handled, [1]);
  });

  test('a deadlock inside a handler retries the transaction without counting a failure', async () => {
    const batch = events(2);
    let deadlocksLeft = 1;
    const handler: ProcessEventBatchOptions['handler'] = async (event, client) => {
      const sequence = decodeSequence(event.payload);
      handled.push(sequence);
      await client.query('INSERT INTO applied (sequence) VALUES ($1)', [sequence]);
      if (sequence === 2 && deadlocksLeft > 0) {
        deadlocksLeft--;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      }
    };
    assert.deepEqual(await processEventBatch(options({ handler }), batch), {
      completedCount: 2,
      retryAfterMs: undefined,
    });
    assert.deepEqual(handled, [1, 2, 1, 2]);
    assert.deepEqual(await applied(), [1, 2]);
    const inbox = await pool.query('SELECT started_attempts, failed_attempts FROM inbox');
    assert.deepEqual(inbox.rows, Array(2).fill({ started_attempts: 1, failed_attempts: 0 }));
  });

  test('refuses a retryCountMax outside its bounds', async () => {
    await assert.rejects(processEventBatch(options({ retryCountMax: 0 }), events(1)), { code: 'ASSERTION_FAILED' });
    await assert.rejects(processEventBatch(options({ retryCountMax: 21 }), events(1)), { code: 'ASSERTION_FAILED' });
  });
});

describe('processEventBatch with a batch handler', () => {
  let calls: number[][];

  /** Records every call; inserts the batch with one statement; refuses the whole batch if it holds a failOn event. */
  function batchOptions(overrides: Partial<ProcessEventBatchOptions> = {}): ProcessEventBatchOptions {
    const { handler: _perEvent, ...base } = options();
    return {
      ...base,
      batchHandler: async (batch, client) => {
        const sequences = batch.map((event) => decodeSequence(event.payload));
        calls.push(sequences);
        await client.query('INSERT INTO applied (sequence) SELECT unnest($1::int[])', [sequences]);
        const refused = sequences.find((sequence) => failOn.has(sequence));
        if (refused !== undefined) throw new Error(`refused ${refused}`);
      },
      ...overrides,
    };
  }

  beforeEach(() => {
    calls = [];
  });

  test('one handler call per batch, in order; duplicates are removed before the call', async () => {
    const batch = events(5);
    assert.deepEqual(await processEventBatch(batchOptions(), batch.slice(0, 3)), {
      completedCount: 3,
      retryAfterMs: undefined,
    });
    const logger = recordingLogger();
    const redelivered = [batch[1], batch[2], batch[3], batch[3], batch[4]] as BusEvent[];
    assert.deepEqual(await processEventBatch(batchOptions({ logger }), redelivered), {
      completedCount: 5,
      retryAfterMs: undefined,
    });
    assert.deepEqual(calls, [
      [1, 2, 3],
      [4, 5],
    ]);
    assert.deepEqual(await applied(), [1, 2, 3, 4, 5]);
    assert.deepEqual(positions, [3, 5]);
    assert.deepEqual(
      logger.lines.map((line) => [line.message, line.fields]),
      [['skipped duplicate events', { group: 'g1', duplicateCount: 3 }]],
    );
    const inbox = await pool.query(
      'SELECT started_attempts, failed_attempts, processed_at IS NOT NULL AS done FROM inbox',
    );
    assert.deepEqual(inbox.rows, Array(5).fill({ started_attempts: 1, failed_attempts: 0, done: true }));
  });

  test('a poison event is isolated event by event; the ones before it commit in one call, the ones after wait', async () => {
    const batch = events(5);
    failOn.add(3);
    const logger = recordingLogger();
    assert.deepEqual(await processEventBatch(batchOptions({ logger }), batch), {
      completedCount: 2,
      retryAfterMs: 200,
    });
    assert.deepEqual(calls, [[1, 2, 3, 4, 5], [1], [2], [3], [1, 2]]);
    assert.deepEqual(await applied(), [1, 2]);
    assert.deepEqual(positions, [2]);
    assert.ok(logger.lines.some((line) => line.message === 'batch handler failed; retrying event by event'));
    const inbox = await pool.query<{ event_id: string; started_attempts: number; failed_attempts: number }>(
      'SELECT event_id, started_attempts, failed_attempts FROM inbox',
    );
    const attemptsOf = (event: BusEvent | undefined) => {
      const row = inbox.rows.find((candidate) => candidate.event_id === event?.id);
      return [row?.started_attempts, row?.failed_attempts];
    };
    assert.deepEqual(attemptsOf(batch[2]), [1, 1], 'the poison event carries the one failure');
    assert.deepEqual(attemptsOf(batch[3]), [0, 0], 'events after it never ran: not crash suspects');
    // Retries until retryCountMax, then dead letter; the rest of the batch goes through in one call.
    calls = [];
    assert.equal((await processEventBatch(batchOptions(), batch.slice(2))).retryAfterMs, 400);
    assert.deepEqual(await processEventBatch(batchOptions(), batch.slice(2)), {
      completedCount: 1,
      retryAfterMs: undefined,
    });
    assert.deepEqual(await processEventBatch(batchOptions(), batch.slice(3)), {
      completedCount: 2,
      retryAfterMs: undefined,
    });
    assert.deepEqual(calls, [[3, 4, 5], [3], [3, 4, 5], [3], [4, 5]]);
    assert.deepEqual(await applied(), [1, 2, 4, 5]);
    const deadLetter = await pool.query('SELECT reason, started_attempts, failed_attempts FROM dead_letter');
    assert.deepEqual(deadLetter.rows, [
      { reason: 'handler failed 3 times: refused 3', started_attempts: 3, failed_attempts: 3 },
    ]);
  });

  test('a batch that fails once but passes event by event commits everything without a failure', async () => {
    const batch = events(3);
    let failuresLeft = 1;
    const batchHandler: ProcessEventBatchOptions['batchHandler'] = async (slice, client) => {
      calls.push(slice.map((event) => decodeSequence(event.payload)));
      if (slice.length > 1 && failuresLeft-- > 0) throw new Error('only this combination is refused');
      await client.query('INSERT INTO applied (sequence) SELECT unnest($1::int[])', [
        slice.map((event) => decodeSequence(event.payload)),
      ]);
    };
    assert.deepEqual(await processEventBatch(batchOptions({ batchHandler }), batch), {
      completedCount: 3,
      retryAfterMs: undefined,
    });
    assert.deepEqual(calls, [[1, 2, 3], [1], [2], [3]]);
    assert.deepEqual(await applied(), [1, 2, 3]);
    const inbox = await pool.query('SELECT failed_attempts FROM inbox');
    assert.deepEqual(inbox.rows, Array(3).fill({ failed_attempts: 0 }));
  });

  test('a lone event that fails is not run twice per attempt', async () => {
    const batch = events(2);
    await processEventBatch(batchOptions(), batch.slice(0, 1));
    failOn.add(2);
    calls = [];
    assert.equal((await processEventBatch(batchOptions(), batch)).retryAfterMs, 200);
    assert.deepEqual(calls, [[2]], 'event 1 is a duplicate; event 2 runs once');
  });

  test('a deadlock in the batch handler retries the transaction without counting a failure', async () => {
    const batch = events(3);
    let deadlocksLeft = 1;
    const batchHandler: ProcessEventBatchOptions['batchHandler'] = async (slice, client) => {
      calls.push(slice.map((event) => decodeSequence(event.payload)));
      await client.query('INSERT INTO applied (sequence) SELECT unnest($1::int[])', [
        slice.map((event) => decodeSequence(event.payload)),
      ]);
      if (deadlocksLeft-- > 0) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    };
    assert.deepEqual(await processEventBatch(batchOptions({ batchHandler }), batch), {
      completedCount: 3,
      retryAfterMs: undefined,
    });
    assert.deepEqual(calls, [
      [1, 2, 3],
      [1, 2, 3],
    ]);
    assert.deepEqual(await applied(), [1, 2, 3]);
  });

  test('refuses options with both handlers or none', async () => {
    await assert.rejects(processEventBatch({ ...batchOptions(), handler: async () => {} }, events(1)), {
      code: 'ASSERTION_FAILED',
    });
    const { batchHandler: _batch, ...neither } = batchOptions();
    await assert.rejects(processEventBatch(neither, events(1)), { code: 'ASSERTION_FAILED' });
  });
});
