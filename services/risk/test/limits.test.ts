// Goal: every limit rule holds at its boundary, under concurrency and across release; method: the
// Assess flow against the real local Redis with a unique key prefix per test.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Fen } from '@acq/money';
import { defaultRiskPolicy, type RiskPolicy } from '../src/domain/policy.ts';
import { assessTransaction } from '../src/flows/assess.ts';
import { createRig, DAYTIME_MS, purchaseInput, type TestRig } from './fixtures.ts';

const BUDGET_MS = 200;
const rigs: TestRig[] = [];
after(async () => {
  for (const rig of rigs) await rig.close();
});

async function rigWith(adjust: (policy: RiskPolicy) => void): Promise<TestRig> {
  const policy = defaultRiskPolicy();
  adjust(policy);
  const rig = await createRig({ policy });
  rigs.push(rig);
  return rig;
}

function rules(outcome: { firedRules: { rule: string }[] }): string[] {
  return outcome.firedRules.map((firing) => firing.rule);
}

describe('merchant daily amount', () => {
  it('approves exactly at the limit and declines one fen over with 61', async () => {
    const rig = await rigWith((policy) => {
      policy.limits.individual.merchant.dailyAmountFen = 30_000n as Fen;
    });
    const first = await assessTransaction(rig.deps, purchaseInput({ amountFen: 20_000n as Fen }), BUDGET_MS);
    assert.equal(first.decision, 'approve');
    assert.match(first.reservationId, /^rsv_auth_/);
    const atLimit = await assessTransaction(rig.deps, purchaseInput({ amountFen: 10_000n as Fen }), BUDGET_MS);
    assert.equal(atLimit.decision, 'approve');
    const over = await assessTransaction(rig.deps, purchaseInput({ amountFen: 1n as Fen }), BUDGET_MS);
    assert.equal(over.decision, 'decline');
    assert.equal(over.responseCode, '61');
    assert.deepEqual(rules(over), ['limit.merchant.daily_amount']);
    assert.equal(over.reservationId, '');
    const counter = await rig.counters.readCounter('m:mch_1:d:20261122');
    assert.deepEqual(counter, { amountFen: 30_000n, count: 2 });
  });
});

describe('count limits', () => {
  it('allows exactly the daily count for a card and declines the next with 65', async () => {
    const rig = await rigWith((policy) => {
      policy.limits.debit.card.dailyCount = 3;
    });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const approved = await assessTransaction(rig.deps, purchaseInput(), BUDGET_MS);
      assert.equal(approved.decision, 'approve');
    }
    const fourth = await assessTransaction(rig.deps, purchaseInput(), BUDGET_MS);
    assert.equal(fourth.responseCode, '65');
    assert.deepEqual(rules(fourth), ['limit.card.daily_count']);
    const otherCard = await assessTransaction(rig.deps, purchaseInput({ cardToken: 'tok_card_2' }), BUDGET_MS);
    assert.equal(otherCard.decision, 'approve');
  });

  it('counts terminal monthly volume across days', async () => {
    const rig = await rigWith((policy) => {
      policy.limits.individual.terminal.monthlyAmountFen = 15_000n as Fen;
      policy.limits.individual.terminal.dailyAmountFen = 15_000n as Fen;
      policy.limits.individual.singleAmountFen = 15_000n as Fen;
    });
    const dayOne = await assessTransaction(rig.deps, purchaseInput(), BUDGET_MS);
    assert.equal(dayOne.decision, 'approve');
    const nextDay = purchaseInput({ occurredAtMs: DAYTIME_MS + 86_400_000, amountFen: 5_001n as Fen });
    const over = await assessTransaction(rig.deps, nextDay, BUDGET_MS);
    assert.equal(over.responseCode, '61');
    assert.deepEqual(rules(over), ['limit.terminal.monthly_amount']);
  });
});

describe('single-transaction limits', () => {
  it('uses the merchant type: individual at the limit passes, one fen over declines', async () => {
    const rig = await rigWith(() => {});
    const single = rig.deps.policy.limits.individual.singleAmountFen;
    const at = await assessTransaction(rig.deps, purchaseInput({ amountFen: single }), BUDGET_MS);
    assert.equal(at.decision, 'approve');
    const over = await assessTransaction(rig.deps, purchaseInput({ amountFen: (single + 1n) as Fen }), BUDGET_MS);
    assert.equal(over.responseCode, '61');
    assert.ok(rules(over).includes('limit.merchant.single_amount'));
  });

  it('gives enterprises their own, larger limit', async () => {
    const rig = await rigWith(() => {});
    const amountFen = (rig.deps.policy.limits.individual.singleAmountFen + 1n) as Fen;
    const input = purchaseInput({ amountFen, cardKind: 'credit' });
    input.terminal.merchantType = 'enterprise';
    rig.deps.policy.limits.credit.singleAmountFen = 10_000_000n as Fen;
    const outcome = await assessTransaction(rig.deps, input, BUDGET_MS);
    assert.equal(outcome.decision, 'approve');
  });

  it('declines contactless without PIN one fen over the no-CVM limit, but not with a PIN', async () => {
    const rig = await rigWith(() => {});
    const limit = rig.deps.policy.limits.contactlessNoPinAmountFen;
    const at = purchaseInput({ entryMode: 'contactless', pinPresent: false, amountFen: limit });
    assert.equal((await assessTransaction(rig.deps, at, BUDGET_MS)).decision, 'approve');
    const over = purchaseInput({ entryMode: 'contactless', pinPresent: false, amountFen: (limit + 1n) as Fen });
    const declined = await assessTransaction(rig.deps, over, BUDGET_MS);
    assert.deepEqual(rules(declined), ['limit.contactless_no_pin']);
    const withPin = purchaseInput({ entryMode: 'contactless', pinPresent: true, amountFen: (limit + 1n) as Fen });
    assert.equal((await assessTransaction(rig.deps, withPin, BUDGET_MS)).decision, 'approve');
  });
});

describe('concurrency', () => {
  it('never overshoots a daily limit with 100 parallel requests', async () => {
    const rig = await rigWith((policy) => {
      policy.limits.individual.merchant.dailyAmountFen = 50_000n as Fen;
    });
    const inputs = Array.from({ length: 100 }, (_unused, index) =>
      purchaseInput({ amountFen: 1_000n as Fen, cardToken: `tok_parallel_${index}` }),
    );
    const outcomes = await Promise.all(inputs.map((input) => assessTransaction(rig.deps, input, 2_000)));
    const approved = outcomes.filter((outcome) => outcome.decision === 'approve').length;
    const declined = outcomes.filter((outcome) => outcome.responseCode === '61').length;
    assert.equal(approved, 50);
    assert.equal(declined, 50);
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 50_000n, count: 50 });
  });
});

describe('release', () => {
  it('gives counters back when the network declines, exactly once', async () => {
    const rig = await rigWith((policy) => {
      policy.limits.individual.merchant.dailyAmountFen = 10_000n as Fen;
    });
    const first = await assessTransaction(rig.deps, purchaseInput(), BUDGET_MS);
    assert.equal(first.decision, 'approve');
    const blocked = await assessTransaction(rig.deps, purchaseInput({ amountFen: 1n as Fen }), BUDGET_MS);
    assert.equal(blocked.responseCode, '61');
    assert.equal(await rig.counters.release(first.reservationId, 'declined_upstream'), true);
    assert.equal(await rig.counters.release(first.reservationId, 'declined_upstream'), false);
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 0n, count: 0 });
    const again = await assessTransaction(rig.deps, purchaseInput(), BUDGET_MS);
    assert.equal(again.decision, 'approve');
  });

  it('releases a confirmed reservation on reversal or void, and confirm after release fails', async () => {
    const rig = await rigWith(() => {});
    const approved = await assessTransaction(rig.deps, purchaseInput({ amountFen: 7_000n as Fen }), BUDGET_MS);
    assert.equal(await rig.counters.confirm(approved.reservationId), true);
    assert.deepEqual(await rig.counters.readCounter('c:tok_card_1:d:20261122'), { amountFen: 7_000n, count: 1 });
    assert.equal(await rig.counters.release(approved.reservationId, 'reversed'), true);
    assert.deepEqual(await rig.counters.readCounter('c:tok_card_1:d:20261122'), { amountFen: 0n, count: 0 });
    assert.deepEqual(await rig.counters.readCounter('t0:mch_1:d:20261122'), { amountFen: 0n, count: 0 });
    assert.equal(await rig.counters.confirm(approved.reservationId), false);
  });

  it('does not reserve twice when the same txn is assessed again', async () => {
    const rig = await rigWith(() => {});
    const input = purchaseInput();
    const first = await assessTransaction(rig.deps, input, BUDGET_MS);
    const retry = await assessTransaction(rig.deps, input, BUDGET_MS);
    assert.equal(retry.reservationId, first.reservationId);
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 10_000n, count: 1 });
  });

  it('sweeps reservations nobody confirmed once their pending window ends', async () => {
    const rig = await rigWith(() => {});
    const pending = await assessTransaction(rig.deps, purchaseInput(), BUDGET_MS);
    const confirmed = await assessTransaction(rig.deps, purchaseInput(), BUDGET_MS);
    await rig.counters.confirm(confirmed.reservationId);
    assert.equal(await rig.counters.sweepExpired(DAYTIME_MS), 0);
    assert.equal(await rig.counters.sweepExpired(DAYTIME_MS + 10 * 60_000), 1);
    assert.equal(await rig.counters.release(pending.reservationId, 'voided'), false);
    assert.deepEqual(await rig.counters.readCounter('m:mch_1:d:20261122'), { amountFen: 10_000n, count: 1 });
  });
});

describe('T0 quota', () => {
  it('keeps T0 eligibility exactly up to the daily quota, then settles T1 without declining', async () => {
    const rig = await rigWith((policy) => {
      policy.limits.t0DailyQuotaFen = 20_000n as Fen;
      policy.limits.t0SingleAmountFen = 15_000n as Fen;
    });
    const first = await assessTransaction(rig.deps, purchaseInput({ amountFen: 15_000n as Fen }), BUDGET_MS);
    assert.equal(first.t0Eligible, true);
    const atQuota = await assessTransaction(rig.deps, purchaseInput({ amountFen: 5_000n as Fen }), BUDGET_MS);
    assert.equal(atQuota.t0Eligible, true);
    const overQuota = await assessTransaction(rig.deps, purchaseInput({ amountFen: 1n as Fen }), BUDGET_MS);
    assert.equal(overQuota.decision, 'approve');
    assert.equal(overQuota.t0Eligible, false);
    await rig.counters.release(first.reservationId, 'voided');
    const afterRelease = await assessTransaction(rig.deps, purchaseInput({ amountFen: 15_000n as Fen }), BUDGET_MS);
    assert.equal(afterRelease.t0Eligible, true);
  });

  it('is not eligible over the T0 single limit, when T0 is off, or when risk suspended T0', async () => {
    const rig = await rigWith((policy) => {
      policy.limits.t0SingleAmountFen = 5_000n as Fen;
    });
    const over = await assessTransaction(rig.deps, purchaseInput({ amountFen: 5_001n as Fen }), BUDGET_MS);
    assert.equal(over.t0Eligible, false);
    rig.suspendedT0.add('mch_1');
    const suspended = await assessTransaction(rig.deps, purchaseInput({ amountFen: 100n as Fen }), BUDGET_MS);
    assert.equal(suspended.t0Eligible, false);
    rig.suspendedT0.clear();
    const input = purchaseInput({ amountFen: 100n as Fen });
    input.terminal.t0Enabled = false;
    assert.equal((await assessTransaction(rig.deps, input, BUDGET_MS)).t0Eligible, false);
  });
});
