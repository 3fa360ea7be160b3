/**
 * Sliding windows for pattern rules as Redis sorted sets scored by time: distinct cards per
 * terminal, distinct merchants per card, and per-merchant night-round, just-under-limit and ticket
 * samples. One script per observation trims, adds and counts; every set is capped in size.
 */
import { assert } from '@acq/assert';
import type { Redis } from 'ioredis';
import type { PatternObservation, WindowCounts } from '../domain/pattern-rules.ts';
import type { RiskPolicy } from '../domain/policy.ts';
import { PATTERN_SCRIPT_OBSERVATIONS_MAX, PATTERN_WINDOW_MEMBERS_MAX } from '../limits.ts';

// Windows an observation does not qualify for are left untouched (count 0): a pattern fires only on
// an observation that itself belongs to it. The ticket window keeps a running sum beside the set
// ("<key>:sum") so the average never needs a scan: expired samples are subtracted as they leave.
// One call observes a whole batch: ARGV = membersMax, five window lengths, the batch size, then
// eight values per observation; KEYS = five keys per observation.
const OBSERVE_SCRIPT = `
local membersMax = tonumber(ARGV[1])
local now = 0
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
local replies = {}
for j = 0, tonumber(ARGV[7]) - 1 do
  local a = 7 + j * 8
  local k = j * 5
  now = tonumber(ARGV[a + 1])
  local card, merchant, txn, amount = ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 7]
  local cards, merchants, night, under, samples, sum = 0, 0, 0, 0, 0, 0
  if card ~= '' then
    cards = slide(KEYS[k + 1], tonumber(ARGV[2]), card)
    merchants = slide(KEYS[k + 2], tonumber(ARGV[3]), merchant)
  end
  if ARGV[a + 5] == '1' then night = slide(KEYS[k + 3], tonumber(ARGV[4]), txn) end
  if ARGV[a + 6] == '1' then under = slide(KEYS[k + 4], tonumber(ARGV[5]), txn) end
  if ARGV[a + 8] == '1' then
    local result = slideWithSum(KEYS[k + 5], tonumber(ARGV[6]), txn .. ':' .. amount, tonumber(amount))
    samples, sum = result[1], result[2]
  end
  for _, value in ipairs({cards, merchants, night, under, samples, tostring(sum)}) do replies[#replies + 1] = value end
end
return replies
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

  /** Adds a batch of observations to their windows in one round trip; counts in the same order. */
  async observeBatch(
    items: readonly { observation: PatternObservation; flags: ObservationFlags }[],
    patterns: RiskPolicy['patterns'],
  ): Promise<WindowCounts[]> {
    assert(items.length > 0 && items.length <= PATTERN_SCRIPT_OBSERVATIONS_MAX, 'script batches are bounded');
    const keys: string[] = [];
    const args: (string | number)[] = [
      PATTERN_WINDOW_MEMBERS_MAX,
      patterns.manyCardsWindowMs,
      patterns.cardManyMerchantsWindowMs,
      patterns.nightWindowMs,
      patterns.justUnderLimitWindowMs,
      patterns.categoryWindowMs,
      items.length,
    ];
    for (const { observation, flags } of items) {
      assert(observation.txnId.length > 0 && !observation.txnId.includes(':'), 'txn ids are window members');
      const cardKey = observation.cardToken === '' ? 'none' : observation.cardToken;
      keys.push(
        `${this.#prefix}pw:tc:${observation.terminalId}`,
        `${this.#prefix}pw:cm:${cardKey}`,
        `${this.#prefix}pw:night:${observation.merchantId}`,
        `${this.#prefix}pw:under:${observation.merchantId}`,
        `${this.#prefix}pw:cat:${observation.merchantId}`,
      );
      args.push(
        observation.occurredAtMs,
        observation.cardToken,
        observation.merchantId,
        observation.txnId,
        flags.nightRound ? '1' : '0',
        flags.justUnderLimit ? '1' : '0',
        observation.amountFen.toString(),
        flags.categorySample ? '1' : '0',
      );
    }
    const reply = (await this.#redis.riskObservePattern(keys.length, ...keys, ...args)) as (number | string)[];
    assert(reply.length === items.length * 6, 'six counts per observation');
    return items.map((_item, index) => {
      const at = index * 6;
      return {
        distinctCardsAtTerminal: Number(reply[at]),
        distinctMerchantsForCard: Number(reply[at + 1]),
        nightRoundCount: Number(reply[at + 2]),
        justUnderLimitCount: Number(reply[at + 3]),
        categorySampleCount: Number(reply[at + 4]),
        categoryAmountSumFen: BigInt(reply[at + 5] ?? '0'),
      };
    });
  }
}
