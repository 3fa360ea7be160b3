/**
 * Sliding windows for pattern rules as Redis sorted sets scored by time: distinct cards per
 * terminal, distinct merchants per card, and per-merchant night-round, just-under-limit and ticket
 * samples. One script per observation trims, adds and counts; every set is capped in size.
 */
import { assert } from '@acq/assert';
import type { Redis } from 'ioredis';
import type { PatternObservation, WindowCounts } from '../domain/pattern-rules.ts';
import type { RiskPolicy } from '../domain/policy.ts';
import { PATTERN_WINDOW_MEMBERS_MAX } from '../limits.ts';

const OBSERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local membersMax = tonumber(ARGV[2])
local function slide(key, windowMs, member, enabled)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
  if enabled then
    redis.call('ZADD', key, now, member)
    redis.call('ZREMRANGEBYRANK', key, 0, -(membersMax + 1))
    redis.call('PEXPIRE', key, windowMs)
  end
  return redis.call('ZCARD', key)
end
local cards = slide(KEYS[1], tonumber(ARGV[3]), ARGV[8], ARGV[8] ~= '')
local merchants = slide(KEYS[2], tonumber(ARGV[4]), ARGV[9], ARGV[8] ~= '')
local night = slide(KEYS[3], tonumber(ARGV[5]), ARGV[10], ARGV[11] == '1')
local under = slide(KEYS[4], tonumber(ARGV[6]), ARGV[10], ARGV[12] == '1')
local samples = slide(KEYS[5], tonumber(ARGV[7]), ARGV[10] .. ':' .. ARGV[13], ARGV[14] == '1')
local sum = 0
if ARGV[14] == '1' then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    sum = sum + tonumber(string.match(member, ':(%d+)$'))
  end
end
return {cards, merchants, night, under, samples, tostring(sum)}
`;

interface PatternRedis extends Redis {
  riskObservePattern(keyCount: number, ...args: (string | number)[]): Promise<unknown>;
}

export interface ObservationFlags {
  nightRound: boolean;
  justUnderLimit: boolean;
  categorySample: boolean;
}

export class PatternWindows {
  readonly #redis: PatternRedis;
  readonly #prefix: string;

  constructor(redis: Redis, keyPrefix: string) {
    assert(keyPrefix.length > 0, 'a key prefix keeps tenants and tests apart');
    this.#redis = redis as PatternRedis;
    this.#prefix = keyPrefix;
    if (typeof this.#redis.riskObservePattern !== 'function') {
      redis.defineCommand('riskObservePattern', { lua: OBSERVE_SCRIPT });
    }
  }

  async observe(
    observation: PatternObservation,
    flags: ObservationFlags,
    patterns: RiskPolicy['patterns'],
  ): Promise<WindowCounts> {
    assert(observation.txnId.length > 0 && !observation.txnId.includes(':'), 'txn ids are window members');
    const cardKey = observation.cardToken === '' ? 'none' : observation.cardToken;
    const keys = [
      `${this.#prefix}pw:tc:${observation.terminalId}`,
      `${this.#prefix}pw:cm:${cardKey}`,
      `${this.#prefix}pw:night:${observation.merchantId}`,
      `${this.#prefix}pw:under:${observation.merchantId}`,
      `${this.#prefix}pw:cat:${observation.merchantId}`,
    ];
    const reply = (await this.#redis.riskObservePattern(
      keys.length,
      ...keys,
      observation.occurredAtMs,
      PATTERN_WINDOW_MEMBERS_MAX,
      patterns.manyCardsWindowMs,
      patterns.cardManyMerchantsWindowMs,
      patterns.nightWindowMs,
      patterns.justUnderLimitWindowMs,
      patterns.categoryWindowMs,
      observation.cardToken,
      observation.merchantId,
      observation.txnId,
      flags.nightRound ? '1' : '0',
      flags.justUnderLimit ? '1' : '0',
      observation.amountFen.toString(),
      flags.categorySample ? '1' : '0',
    )) as [number, number, number, number, number, string];
    const [cards, merchants, night, under, samples, sum] = reply;
    return {
      distinctCardsAtTerminal: observation.cardToken === '' ? 0 : cards,
      distinctMerchantsForCard: observation.cardToken === '' ? 0 : merchants,
      nightRoundCount: night,
      justUnderLimitCount: under,
      categorySampleCount: flags.categorySample ? samples : 0,
      categoryAmountSumFen: BigInt(sum),
    };
  }
}
