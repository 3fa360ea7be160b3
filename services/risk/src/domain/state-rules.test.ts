// Goal: each terminal/merchant state, 跳码, location and blacklist rule fires with its field-39 code
// and stays quiet on valid input; method: pure evaluation on hand-built inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAYTIME_MS, MemoryBlacklist, purchaseInput } from '../../test/fixtures.ts';
import { combineFirings } from './assessment.ts';
import { defaultRiskPolicy } from './policy.ts';
import { distanceBetweenMeters, evaluateBlacklists, evaluateTerminalState } from './state-rules.ts';

const policy = defaultRiskPolicy().state;

function evaluate(adjust: (input: ReturnType<typeof purchaseInput>) => void): { rules: string[]; code: string } {
  const input = purchaseInput();
  adjust(input);
  const firings = evaluateTerminalState(input, policy, DAYTIME_MS);
  return { rules: firings.map((firing) => firing.rule), code: combineFirings(firings).responseCode };
}

describe('terminal and merchant state', () => {
  it('passes an activated, bound terminal of an active merchant', () => {
    assert.deepEqual(
      evaluate(() => {}),
      { rules: [], code: '00' },
    );
  });
  it('declines an unbound terminal with 97', () => {
    assert.deepEqual(
      evaluate((input) => {
        input.terminal.merchantId = '';
      }),
      { rules: ['terminal.not_bound'], code: '97' },
    );
  });
  it('declines a registered but not activated terminal with 97', () => {
    const result = evaluate((input) => {
      input.terminal.terminalStatus = 'registered';
    });
    assert.deepEqual(result, { rules: ['terminal.not_activated'], code: '97' });
  });
  it('declines frozen or retired terminals with 58', () => {
    for (const status of ['frozen', 'retired'] as const) {
      const result = evaluate((input) => {
        input.terminal.terminalStatus = status;
      });
      assert.deepEqual(result, { rules: ['terminal.not_permitted'], code: '58' });
    }
  });
  it('declines a frozen or closed merchant with 03', () => {
    for (const status of ['frozen', 'closed'] as const) {
      const result = evaluate((input) => {
        input.terminal.merchantStatus = status;
      });
      assert.deepEqual(result, { rules: ['merchant.not_active'], code: '03' });
    }
  });
  it('flags a terminal re-bound inside the window and not one re-bound before it', () => {
    const recent = evaluate((input) => {
      input.terminal.reboundAtMs = DAYTIME_MS - policy.reboundRecentlyMs + 1;
    });
    assert.deepEqual(recent, { rules: ['terminal.rebound_recently'], code: '00' });
    const old = evaluate((input) => {
      input.terminal.reboundAtMs = DAYTIME_MS - policy.reboundRecentlyMs;
    });
    assert.deepEqual(old.rules, []);
  });
});

describe('跳码 (merchant code tampering)', () => {
  it('declines a terminal-sent MCC different from the registered one with 03', () => {
    const result = evaluate((input) => {
      input.merchantNumberFromTerminal = '898581058120001';
    });
    assert.deepEqual(result, { rules: ['code_jump.mcc'], code: '03' });
  });
  it('declines a different merchant number altogether with 03', () => {
    const result = evaluate((input) => {
      input.merchantNumberFromTerminal = '898581054110002';
    });
    assert.deepEqual(result, { rules: ['code_jump.merchant_number'], code: '03' });
  });
  it('accepts an empty field 42 (terminals may leave it out)', () => {
    assert.deepEqual(
      evaluate((input) => {
        input.merchantNumberFromTerminal = '';
      }).rules,
      [],
    );
  });
});

describe('location', () => {
  it('measures distance: Guangzhou to Shenzhen is about 105 km', () => {
    const meters = distanceBetweenMeters(
      { latitudeE6: 23_129_000, longitudeE6: 113_264_000 },
      { latitudeE6: 22_543_000, longitudeE6: 114_057_000 },
    );
    assert.ok(meters > 100_000 && meters < 110_000, `${meters}`);
  });
  it('declines with 58 outside the radius and passes inside it', () => {
    const far = evaluate((input) => {
      input.reportedLocation = { latitudeE6: 22_543_000, longitudeE6: 114_057_000, areaCode: '440300' };
    });
    assert.deepEqual(far, { rules: ['terminal.outside_area'], code: '58' });
    const near = evaluate((input) => {
      input.reportedLocation = { latitudeE6: 23_130_000, longitudeE6: 113_265_000, areaCode: '440100' };
    });
    assert.deepEqual(near.rules, []);
  });
  it('falls back to the area code when coordinates are missing', () => {
    const input = purchaseInput({ reportedLocation: { latitudeE6: 0, longitudeE6: 0, areaCode: '3100' } });
    input.terminal.registeredLocation = undefined;
    const firings = evaluateTerminalState(input, policy, DAYTIME_MS);
    assert.deepEqual(
      firings.map((firing) => firing.rule),
      ['terminal.outside_area'],
    );
    const flagOnly = evaluateTerminalState(input, { ...policy, locationOutsideDecline: 0 }, DAYTIME_MS);
    assert.equal(combineFirings(flagOnly).decision, 'approve_and_flag');
  });
});

describe('blacklists', () => {
  it('declines blacklisted merchants (03), terminals (58) and cards (14)', () => {
    const blacklist = new MemoryBlacklist();
    const input = purchaseInput();
    assert.deepEqual(evaluateBlacklists(input, blacklist), []);
    blacklist.cards.add('tok_card_1');
    assert.equal(combineFirings(evaluateBlacklists(input, blacklist)).responseCode, '14');
    blacklist.terminals.add('T0000001');
    assert.equal(combineFirings(evaluateBlacklists(input, blacklist)).responseCode, '58');
    blacklist.merchants.add('mch_1');
    assert.equal(combineFirings(evaluateBlacklists(input, blacklist)).responseCode, '03');
  });
});
