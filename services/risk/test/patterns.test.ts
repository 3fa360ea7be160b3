// Goal: every pattern rule fires at its threshold and not one below it, over its sliding window;
// method: the pure pattern evaluation fed by the Redis sliding windows (real Redis, unique prefix).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Fen } from '@acq/money';
import {
  categoryTicketMaxFen,
  evaluatePatterns,
  isJustUnderLimit,
  isNightRoundAmount,
  type PatternObservation,
} from '../src/domain/pattern-rules.ts';
import { defaultRiskPolicy } from '../src/domain/policy.ts';
import { PatternWindows } from '../src/store/pattern-windows.ts';
import { createRig, DAYTIME_MS, deleteKeysWithPrefix, type TestRig } from './fixtures.ts';

const policy = defaultRiskPolicy();
/** 2026-11-22 02:00 Asia/Shanghai. */
const NIGHT_MS = Date.UTC(2026, 10, 21, 18, 0, 0);
let rig: TestRig;
let windows: PatternWindows;

before(async () => {
  rig = await createRig({ policy });
  windows = new PatternWindows(rig.redis, `${uniqueSuffix()}:`);
});
after(async () => {
  await deleteKeysWithPrefix(rig.redis, windowsPrefix);
  await rig.close();
});

let windowsPrefix = '';
function uniqueSuffix(): string {
  windowsPrefix = `test:risk:patterns:${randomUUID()}`;
  return windowsPrefix;
}

function observation(overrides: Partial<PatternObservation> = {}): PatternObservation {
  return {
    txnId: `auth_${randomUUID()}`,
    merchantId: `mch_${randomUUID()}`,
    terminalId: `T${randomUUID().slice(0, 7)}`,
    cardToken: `tok_${randomUUID()}`,
    amountFen: 8_800n as Fen,
    occurredAtMs: DAYTIME_MS,
    merchantType: 'individual',
    feeCategory: 'standard',
    contactlessWithoutPin: false,
    ...overrides,
  };
}

async function hitsFor(item: PatternObservation): Promise<string[]> {
  const flags = {
    nightRound: isNightRoundAmount(item, policy.patterns),
    justUnderLimit: isJustUnderLimit(item, policy),
    categorySample: categoryTicketMaxFen(item.feeCategory, policy.patterns) !== undefined,
  };
  const [counts] = await windows.observeBatch([{ observation: item, flags }], policy.patterns);
  assert.ok(counts !== undefined);
  return evaluatePatterns(item, counts, policy).map((hit) => hit.rule);
}

describe('many cards at one terminal', () => {
  it('fires at the distinct-card threshold within the window, not below, and forgets old cards', async () => {
    const terminalId = `T${randomUUID().slice(0, 7)}`;
    const merchantId = `mch_${randomUUID()}`;
    const threshold = policy.patterns.manyCardsDistinctMin;
    for (let index = 1; index < threshold; index += 1) {
      assert.deepEqual(await hitsFor(observation({ terminalId, merchantId, occurredAtMs: DAYTIME_MS + index })), []);
    }
    const repeatCard = observation({
      terminalId,
      merchantId,
      occurredAtMs: DAYTIME_MS + threshold,
      cardToken: 'tok_same',
    });
    assert.deepEqual(await hitsFor(repeatCard), ['pattern.many_cards_one_terminal']);
    const later = DAYTIME_MS + policy.patterns.manyCardsWindowMs + threshold + 1;
    assert.deepEqual(await hitsFor(observation({ terminalId, merchantId, occurredAtMs: later })), []);
  });
});

describe('one card at many merchants', () => {
  it('fires when one card reaches the distinct-merchant threshold', async () => {
    const cardToken = `tok_${randomUUID()}`;
    const threshold = policy.patterns.cardManyMerchantsDistinctMin;
    const results: string[][] = [];
    for (let index = 0; index < threshold; index += 1) {
      results.push(
        await hitsFor(observation({ cardToken, terminalId: `T${index}`, occurredAtMs: DAYTIME_MS + index })),
      );
    }
    assert.deepEqual(results.slice(0, -1).flat(), []);
    assert.deepEqual(results.at(-1), ['pattern.one_card_many_merchants']);
  });
});

describe('night-time large round amounts', () => {
  it('counts only night, large and round amounts and fires at the count threshold', () => {
    const round = policy.patterns.nightAmountFenMin;
    assert.equal(isNightRoundAmount(observation({ occurredAtMs: NIGHT_MS, amountFen: round }), policy.patterns), true);
    assert.equal(
      isNightRoundAmount(observation({ occurredAtMs: DAYTIME_MS, amountFen: round }), policy.patterns),
      false,
    );
    const notRound = (round + 1n) as Fen;
    assert.equal(
      isNightRoundAmount(observation({ occurredAtMs: NIGHT_MS, amountFen: notRound }), policy.patterns),
      false,
    );
    const small = (round - policy.patterns.nightRoundUnitFen) as Fen;
    assert.equal(isNightRoundAmount(observation({ occurredAtMs: NIGHT_MS, amountFen: small }), policy.patterns), false);
  });

  it('opens at the third night round amount for one merchant', async () => {
    const merchantId = `mch_${randomUUID()}`;
    const results: string[][] = [];
    for (let index = 0; index < policy.patterns.nightCountMin; index += 1) {
      const item = observation({ merchantId, occurredAtMs: NIGHT_MS + index, amountFen: 800_000n as Fen });
      results.push(await hitsFor(item));
    }
    assert.deepEqual(results.slice(0, -1).flat(), []);
    assert.deepEqual(results.at(-1), ['pattern.night_round_amounts']);
  });
});

describe('just under a limit', () => {
  it('treats amounts inside the margin below a limit as suspicious, the limit itself too, one fen over not', () => {
    const limit = policy.limits.contactlessNoPinAmountFen;
    const floor = (limit * BigInt(100 - policy.patterns.justUnderLimitPercent)) / 100n;
    const check = (amountFen: bigint) =>
      isJustUnderLimit(observation({ amountFen: amountFen as Fen, contactlessWithoutPin: true }), policy);
    assert.equal(check(floor), true);
    assert.equal(check(floor - 1n), false);
    assert.equal(check(limit), true);
    assert.equal(check(limit + 1n), false);
  });
});

describe('discounted-category merchant with standard-category traffic', () => {
  it('fires once enough samples average above the category ticket maximum, not before', async () => {
    const merchantId = `mch_${randomUUID()}`;
    const sampleMin = policy.patterns.categorySampleMin;
    const ticket = (policy.patterns.discountedAverageTicketFenMax + 1n) as Fen;
    const results: string[][] = [];
    for (let index = 0; index < sampleMin; index += 1) {
      const item = observation({
        merchantId,
        feeCategory: 'discounted',
        amountFen: ticket,
        occurredAtMs: DAYTIME_MS + index,
      });
      results.push(await hitsFor(item));
    }
    assert.deepEqual(results.slice(0, -1).flat(), []);
    assert.deepEqual(results.at(-1), ['pattern.category_mismatch']);
  });

  it('stays quiet when the average is exactly at the maximum, and for standard-category merchants', async () => {
    const merchantId = `mch_${randomUUID()}`;
    const ticket = policy.patterns.discountedAverageTicketFenMax;
    for (let index = 0; index < policy.patterns.categorySampleMin + 2; index += 1) {
      const item = observation({
        merchantId,
        feeCategory: 'discounted',
        amountFen: ticket,
        occurredAtMs: DAYTIME_MS + index,
      });
      assert.deepEqual(await hitsFor(item), []);
    }
    const standard = observation({ feeCategory: 'standard', amountFen: 9_000_000n as Fen });
    assert.deepEqual(await hitsFor(standard), []);
  });
});

describe('batched observation', () => {
  it('counts observations of one batch in order, as if observed one by one', async () => {
    const terminalId = `T${randomUUID().slice(0, 7)}`;
    const flags = { nightRound: false, justUnderLimit: false, categorySample: false };
    const items = [0, 1, 2, 3].map((index) => ({
      observation: observation({ terminalId, occurredAtMs: DAYTIME_MS + index }),
      flags,
    }));
    const counts = await windows.observeBatch(items, policy.patterns);
    assert.deepEqual(
      counts.map((count) => count.distinctCardsAtTerminal),
      [1, 2, 3, 4],
    );
  });
});
