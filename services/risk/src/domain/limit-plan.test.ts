// Goal: limit planning picks the right counters, periods and T0 check; method: pure calls on
// hand-built inputs at calendar boundaries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Fen } from '@acq/money';
import { purchaseInput } from '../../test/fixtures.ts';
import { planLimits, shanghaiDayKey, shanghaiHour, shanghaiMonthKey } from './limit-plan.ts';
import { defaultRiskPolicy } from './policy.ts';

describe('Shanghai calendar keys', () => {
  it('switches day at 16:00 UTC (midnight UTC+8) and month with it', () => {
    const beforeMidnight = Date.UTC(2026, 10, 30, 15, 59, 59, 999);
    assert.equal(shanghaiDayKey(beforeMidnight), '20261130');
    assert.equal(shanghaiDayKey(beforeMidnight + 1), '20261201');
    assert.equal(shanghaiMonthKey(beforeMidnight + 1), '202612');
    assert.equal(shanghaiDayKey(beforeMidnight), '20261130');
    assert.equal(shanghaiHour(beforeMidnight + 1), 0);
  });
});

describe('planLimits', () => {
  it('checks merchant, terminal and card for day and month, and T0 within its single limit', () => {
    const plan = planLimits(purchaseInput(), defaultRiskPolicy().limits, false);
    assert.deepEqual(
      plan.counters.map((check) => check.key),
      [
        'm:mch_1:d:20261122',
        'm:mch_1:m:202611',
        't:T0000001:d:20261122',
        't:T0000001:m:202611',
        'c:tok_card_1:d:20261122',
        'c:tok_card_1:m:202611',
      ],
    );
    assert.equal(plan.t0?.key, 't0:mch_1:d:20261122');
    assert.deepEqual(plan.singleFirings, []);
  });

  it('skips card counters for scan-code payments and T0 when suspended', () => {
    const input = purchaseInput({ cardToken: '', cardKind: 'unknown', entryMode: 'scan_code', amountFen: 100n as Fen });
    const plan = planLimits(input, defaultRiskPolicy().limits, true);
    assert.equal(plan.counters.length, 4);
    assert.equal(plan.t0, undefined);
  });
});
