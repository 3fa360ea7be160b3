// Goal: reconnect and retry delays grow exponentially, stay inside their bounds and jitter symmetrically; method: evaluate the pure function with fixed random values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs } from './backoff.ts';
import { resolveUpstreamLimits, UPSTREAM_LIMITS } from './limits.ts';

const policy = { delayMsMin: 100, delayMsMax: 10_000, jitterPerMille: 250 };

describe('backoffDelayMs', () => {
  it('doubles per failure up to the cap without jitter at the midpoint', () => {
    const delays = [0, 1, 2, 3, 6, 7, 50].map((failures) => backoffDelayMs(policy, failures, () => 0.5));
    assert.deepEqual(delays, [100, 200, 400, 800, 6_400, 10_000, 10_000]);
  });

  it('jitters by at most the configured fraction and never leaves the bounds', () => {
    assert.equal(
      backoffDelayMs(policy, 3, () => 0),
      600,
    );
    assert.equal(
      backoffDelayMs(policy, 3, () => 0.999_999),
      1_000,
    );
    assert.equal(
      backoffDelayMs(policy, 0, () => 0),
      100,
      'never below the minimum',
    );
    assert.equal(
      backoffDelayMs(policy, 10, () => 0.999_999),
      10_000,
      'never above the maximum',
    );
  });

  it('refuses nonsense input (bug)', () => {
    assert.throws(() => backoffDelayMs(policy, -1, () => 0.5), /non-negative/);
    assert.throws(() => backoffDelayMs({ ...policy, delayMsMin: 0 }, 0, () => 0.5), /ordered/);
  });
});

describe('resolveUpstreamLimits', () => {
  it('lowers limits and refuses to raise them', () => {
    const limits = resolveUpstreamLimits({ connectionCountMax: 2, requestTimeoutMsDefault: 500 });
    assert.equal(limits.connectionCountMax, 2);
    assert.equal(limits.requestTimeoutMsDefault, 500);
    assert.equal(limits.safBatchSize, UPSTREAM_LIMITS.safBatchSize);
    assert.throws(
      () => resolveUpstreamLimits({ connectionCountMax: UPSTREAM_LIMITS.connectionCountMax + 1 }),
      /never raised/,
    );
    assert.throws(() => resolveUpstreamLimits({ connectionCountMax: 0 }), /at least one/);
    assert.throws(() => resolveUpstreamLimits({ safBatchSize: 1.5 }), /integer/);
    assert.equal(resolveUpstreamLimits({ requestTimeoutMsDefault: 20_000 }).requestTimeoutMsDefault, 20_000);
    assert.throws(() => resolveUpstreamLimits({ requestTimeoutMsDefault: 30_001 }), /never raised \(max 30000\)/);
    assert.throws(
      () => resolveUpstreamLimits({ requestTimeoutMsDefault: 10_000, requestTimeoutMsMax: 5_000 }),
      /within its maximum/,
    );
  });
});
