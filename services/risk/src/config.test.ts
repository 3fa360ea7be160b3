// Goal: every policy threshold is configurable through its derived variable and inconsistent
// policies are refused; method: loadConfig over hand-built environments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '@acq/config';
import { policyFromConfig, policySchema } from './config.ts';

describe('policy configuration', () => {
  it('derives one variable per threshold with its default', () => {
    const schema = policySchema();
    assert.ok('RISK_LIMITS_INDIVIDUAL_MERCHANT_DAILY_AMOUNT_FEN' in schema);
    assert.ok('RISK_LIMITS_CONTACTLESS_NO_PIN_AMOUNT_FEN' in schema);
    assert.ok('RISK_PATTERNS_MANY_CARDS_DISTINCT_MIN' in schema);
    const policy = policyFromConfig(loadConfig(schema, {}));
    assert.equal(policy.limits.contactlessNoPinAmountFen, 100_000n);
  });

  it('applies overrides with their types (fen as bigint, counts as numbers)', () => {
    const values = loadConfig(policySchema(), {
      RISK_LIMITS_CONTACTLESS_NO_PIN_AMOUNT_FEN: '30000',
      RISK_PATTERNS_NIGHT_COUNT_MIN: '5',
    });
    const policy = policyFromConfig(values);
    assert.equal(policy.limits.contactlessNoPinAmountFen, 30_000n);
    assert.equal(policy.patterns.nightCountMin, 5);
  });

  it('refuses non-numeric values and inconsistent limits', () => {
    assert.throws(() => loadConfig(policySchema(), { RISK_PATTERNS_NIGHT_COUNT_MIN: '5.5' }), ConfigError);
    const values = loadConfig(policySchema(), { RISK_LIMITS_INDIVIDUAL_MERCHANT_DAILY_AMOUNT_FEN: '200000000000' });
    assert.throws(() => policyFromConfig(values), /daily amount must not exceed monthly/);
  });
});
