// Goal: the runner votes, commits and aborts like a transaction manager and enforces its limits; method: scripted participants on a hand-built context.
import { strict as expect } from 'node:assert';
import { after, test } from 'node:test';
import pg from 'pg';
import { fakes, flowDependencies, terminalRequest, TEST_SETTINGS } from '../../../test/support/fakes.ts';
import { TransactionStore } from '../../store/transaction-store.ts';
import { AuthorizationContext } from './authorization-context.ts';
import { type Participant, Vote } from './participant.ts';
import { runPipeline } from './run-pipeline.ts';

const idlePool = new pg.Pool({ max: 1 });
const store = new TransactionStore(idlePool, async () => {}, {
  windowMs: 1,
  rowsMax: 1,
  queueRowsMax: 1,
  concurrentBatchesMax: 1,
});
const deps = flowDependencies(store, fakes());
after(async () => {
  await store.close();
  await idlePool.end();
});

function context(budgetMs = 10_000): AuthorizationContext {
  return new AuthorizationContext(terminalRequest(), {
    txnId: 'auth_runner',
    rrn: '010000000001',
    nowMs: Date.now(),
    budgetMs,
    businessDate: '20261122',
  });
}

function scripted(
  name: string,
  journal: string[],
  vote: number | (() => Promise<number>),
  extra: Partial<Participant> = {},
): Participant {
  return {
    name,
    async prepare(ctx) {
      journal.push(`prepare:${name}`);
      const result = typeof vote === 'number' ? vote : await vote();
      if ((result & Vote.PREPARED) === 0) ctx.decline('internal_error');
      return result;
    },
    async commit() {
      journal.push(`commit:${name}`);
    },
    async abort() {
      journal.push(`abort:${name}`);
    },
    ...extra,
  };
}

test('all prepared: commit runs in order on the participants that joined', async () => {
  const journal: string[] = [];
  await runPipeline(
    [
      scripted('a', journal, Vote.PREPARED),
      scripted('b', journal, Vote.PREPARED | Vote.NO_JOIN),
      scripted('c', journal, Vote.PREPARED),
    ],
    context(),
    deps,
  );
  expect.deepEqual(journal, ['prepare:a', 'prepare:b', 'prepare:c', 'commit:a', 'commit:c']);
});

test('an abort stops further prepares and aborts the joined participants in reverse order, including the aborting one', async () => {
  const journal: string[] = [];
  const ctx = context();
  await runPipeline(
    [
      scripted('a', journal, Vote.PREPARED),
      scripted('b', journal, Vote.PREPARED),
      scripted('c', journal, Vote.ABORTED),
      scripted('d', journal, Vote.PREPARED),
    ],
    ctx,
    deps,
  );
  expect.deepEqual(journal, ['prepare:a', 'prepare:b', 'prepare:c', 'abort:c', 'abort:b', 'abort:a']);
  expect.equal(ctx.declineReason, 'internal_error');
  expect.deepEqual(
    ctx.timings.map((timing) => timing.vote),
    ['prepared', 'prepared', 'aborted'],
  );
});

test('a throwing prepare counts as aborted with internal_error', async () => {
  const journal: string[] = [];
  const ctx = context();
  const throwing: Participant = { name: 'boom', prepare: () => Promise.reject(new Error('bug')) };
  await runPipeline([scripted('a', journal, Vote.PREPARED), throwing], ctx, deps);
  expect.equal(ctx.declineReason, 'internal_error');
  expect.deepEqual(journal, ['prepare:a', 'abort:a']);
  expect.equal(ctx.timings.at(-1)?.vote, 'error');
});

test('a step past its timeout is aborted as budget_exhausted; an uninterruptible step is awaited', async () => {
  const journal: string[] = [];
  const slow = () => new Promise<number>((resolve) => setTimeout(() => resolve(Vote.PREPARED), 60));
  const ctx = context();
  await runPipeline([scripted('slow', journal, slow, { stepTimeoutMs: () => 10 })], ctx, deps);
  expect.equal(ctx.declineReason, 'budget_exhausted');
  expect.equal(ctx.timings[0]?.vote, 'timeout');
  expect.deepEqual(journal, ['prepare:slow', 'abort:slow']);
  const durable = context();
  await runPipeline([scripted('durable', [], slow, { stepTimeoutMs: () => 10, uninterruptible: true })], durable, deps);
  expect.equal(durable.declineReason, undefined);
});

test('an exhausted budget aborts before the next step starts', async () => {
  const journal: string[] = [];
  const ctx = context(1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await runPipeline([scripted('late', journal, Vote.PREPARED)], ctx, deps);
  expect.equal(ctx.declineReason, 'budget_exhausted');
  expect.deepEqual(journal, []);
});

test('a pipeline longer than the step limit is a bug', async () => {
  const tooMany = Array.from({ length: TEST_SETTINGS.pipelineStepCountMax + 1 }, (_, index) =>
    scripted(`p${index}`, [], Vote.PREPARED),
  );
  await expect.rejects(runPipeline(tooMany, context(), deps), /step limit/);
});
