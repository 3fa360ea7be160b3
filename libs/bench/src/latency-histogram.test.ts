// Goal: histogram percentiles stay within 2% of exact percentiles over wide ranges; method: compare with sorted samples.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { LatencyHistogram } from './latency-histogram.ts';

test('percentiles are within 2% of the exact value', () => {
  const histogram = new LatencyHistogram();
  const samples: number[] = [];
  let seed = 7;
  for (let index = 0; index < 50_000; index++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const latencyMs = 0.05 + (seed / 2 ** 31) ** 3 * 800;
    samples.push(latencyMs);
    histogram.recordMs(latencyMs);
  }
  samples.sort((a, b) => a - b);
  for (const percentile of [50, 90, 99, 99.9]) {
    const exact = samples[Math.ceil((percentile / 100) * samples.length) - 1] as number;
    const estimate = histogram.percentileMs(percentile);
    expect.ok(Math.abs(estimate - exact) / exact < 0.02, `p${percentile}: ${estimate} vs ${exact}`);
  }
  expect.equal(histogram.percentileMs(100), histogram.maxMs);
  expect.equal(histogram.count, 50_000);
});

test('an empty histogram reports zero and merge adds counts', () => {
  const first = new LatencyHistogram();
  expect.equal(first.percentileMs(99), 0);
  const second = new LatencyHistogram();
  second.recordMs(3);
  first.merge(second);
  expect.equal(first.count, 1);
  expect.ok(Math.abs(first.percentileMs(50) - 3) < 0.05);
});
