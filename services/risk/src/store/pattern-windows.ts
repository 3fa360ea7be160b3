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

// Windows an observation does not qualify for are left untouched (count 0): a pattern fires only on
// an observation that itself belongs to it. The ticket window keeps a running sum beside the set
// ("<key>:sum") so the average never needs a scan: expired samples are subtracted as they leave.
const OBSERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local membersMax = tonumber(ARGV[2])
local function slide(key, windowMs, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
  redis.call('ZADD', key, now, member)
  local size = redis.call('ZCARD', key)
  if size > membersMax then
    redis.call('ZREMRANGEBYRANK', key, 0, size - membersMax - 1)
    size = membersMax
  end
  redis.call('PEXPIRE', key, windowMs)
  return size
end
local function slideWithSum(key, windowMs, member, amount)
  local sumKey = key .. ':sum'
  local expired = redis.call('ZRANGEBYSCORE', key, '-inf', now - windowMs, 'LIMIT', 0, membersMax)
  local size = redis.call('ZCARD', key) - #expired
  if size >= membersMax then
    local oldest = redis.call('ZRANGE', key, #expired, #expired + size - membersMax)
    for _, member in ipairs(oldest) do expired[#expired + 1] = member end
  end
  for _, old in ipairs(expired) do
    redis.call('DECRBY', sumKey, tonumber(string.match(old, ':(%d+)$')))
    redis.call('ZREM', key, old)
  end
  redis.call('ZADD', key, now, member)
  local sum = redis.call('INCRBY', sumKey, amount)
  redis.call('PEXPIRE', key, windowMs)
  redis.call('PEXPIRE', sumKey, windowMs)
  return {redis.call('ZCARD', key), sum}
end
local cards, merchants, night, under, samples, sum = 0, 0, 0, 0, 0, 0
if ARGV[8] ~= '' then
  cards = slide(KEYS[1], tonumber(ARGV[3]), ARGV[8])
  merchants = slide(KEYS[2], tonumber(ARGV[4]), ARGV[9])
end
if ARGV[11] == '1' then night = slide(KEYS[3], tonumber(ARGV[5]), ARGV[10]) end
if ARGV[12] == '1' then under = slide(KEYS[4], tonumber(ARGV[6]), ARGV[10]) end
if ARGV[14] == '1' then
  local result = slideWithSum(KEYS[5], tonumber(ARGV[7]), ARGV[10] .. ':' .. ARGV[13], tonumber(ARGV[13]))
  samples, sum = result[1], result[2]
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
