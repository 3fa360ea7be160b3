// Goal: group commit batches by window and by size, answers every waiter, refuses when full and drains on close; method: an in-memory batch writer.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { GroupCommitClosedError, GroupCommitQueueFullError, GroupCommitter } from './group-commit.ts';

function recordingWriter(batches: number[][]) {
  return async (items: readonly number[]) => {
    batches.push([...items]);
    return items.map((item) => item * 10);
  };
}

test('rows submitted together share one write and each waiter gets its own result', async () => {
  const batches: number[][] = [];
  const committer = new GroupCommitter(recordingWriter(batches), {
    windowMs: 5,
    rowsMax: 100,
    queueRowsMax: 1_000,
    concurrentBatchesMax: 2,
  });
  const results = await Promise.all([1, 2, 3].map((item) => committer.submit(item)));
  expect.deepEqual(results, [10, 20, 30]);
  expect.deepEqual(batches, [[1, 2, 3]]);
});

test('while a write is in flight, new rows wait and then share the next write', async () => {
  const batches: number[][] = [];
  const committer = new GroupCommitter(recordingWriter(batches), {
    windowMs: 50,
    rowsMax: 100,
    queueRowsMax: 1_000,
    concurrentBatchesMax: 1,
  });
  const first = committer.submit(1);
  await new Promise((resolve) => setImmediate(resolve));
  const later = [2, 3, 4].map((item) => committer.submit(item));
  expect.deepEqual(await Promise.all([first, ...later]), [10, 20, 30, 40]);
  expect.deepEqual(batches, [[1], [2, 3, 4]]);
});

test('a full batch is written at once; rows beyond it form the next batch', async () => {
  const batches: number[][] = [];
  const committer = new GroupCommitter(recordingWriter(batches), {
    windowMs: 1_000,
    rowsMax: 2,
    queueRowsMax: 10,
    concurrentBatchesMax: 1,
  });
  await Promise.all([1, 2, 3, 4].map((item) => committer.submit(item)));
  expect.deepEqual(batches, [
    [1, 2],
    [3, 4],
  ]);
  expect.deepEqual(committer.stats, { batchesWritten: 2, rowsWritten: 4 });
});

test('a failed write rejects every row of its batch; a full queue refuses at once; close drains then refuses', async () => {
  const failing = new GroupCommitter(async () => Promise.reject(new Error('disk full')), {
    windowMs: 1,
    rowsMax: 10,
    queueRowsMax: 10,
    concurrentBatchesMax: 1,
  });
  const outcomes = await Promise.allSettled([failing.submit(1), failing.submit(2)]);
  expect.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['rejected', 'rejected'],
  );
  let release: () => void = () => {};
  const blocked = new GroupCommitter(
    async (items: readonly number[]) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return items;
    },
    { windowMs: 0, rowsMax: 1, queueRowsMax: 1, concurrentBatchesMax: 1 },
  );
  const first = blocked.submit(1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = blocked.submit(2);
  await expect.rejects(blocked.submit(3), GroupCommitQueueFullError);
  const closing = blocked.close();
  release();
  await new Promise((resolve) => setTimeout(resolve, 5));
  release();
  expect.deepEqual(await Promise.all([first, second]), [1, 2]);
  await closing;
  await expect.rejects(blocked.submit(4), GroupCommitClosedError);
});

test('idleFlush after_window: rows submitted over separate turns within the window share one write', async () => {
  const batches: number[][] = [];
  const committer = new GroupCommitter(recordingWriter(batches), {
    windowMs: 40,
    idleFlush: 'after_window',
    rowsMax: 100,
    queueRowsMax: 1_000,
    concurrentBatchesMax: 1,
  });
  const first = committer.submit(1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = committer.submit(2);
  expect.deepEqual(batches, [], 'nothing written before the window ends');
  expect.deepEqual(await Promise.all([first, second]), [10, 20]);
  expect.deepEqual(batches, [[1, 2]]);
});
