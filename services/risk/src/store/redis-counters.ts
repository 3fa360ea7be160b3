/**
 * Limit counters in Redis. One Lua script checks every counter of a transaction, and only when all
 * pass increments them and records a reservation, so concurrent requests can never overshoot a
 * limit. Release undoes a reservation exactly once; Confirm keeps it; a sweeper releases
 * reservations nobody confirmed. With ioredis auto-pipelining, concurrent requests' scripts share
 * one round trip. For Redis Cluster the key prefix must carry a hash tag (e.g. "{risk}:") because
 * a script touches merchant, terminal and card keys together.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { Redis } from 'ioredis';
import type { CounterCheck, T0Check } from '../domain/limit-plan.ts';
import {
  COUNTERS_PER_ASSESS_MAX,
  REDIS_RESERVES_IN_FLIGHT_MAX,
  RESERVATION_RETENTION_SECONDS,
  SWEEP_BATCH_SIZE_MAX,
} from '../limits.ts';

// Splits a reservation value into its parts (see RESERVE_SCRIPT).
const PARSE_RESERVATION = `
local function parseReservation(value)
  local state, amount, t0, t0Key, keys = string.match(value, '^(%a+)|(%d+)|(%d)|([^|]*)|(.*)$')
  return state, tonumber(amount), t0, t0Key, keys
end
`;

// Optimistic check: increment every counter, and if any went over its limit undo them all before
// returning. Inside one script nobody can observe the intermediate state, and the common (approve)
// path costs two HINCRBY per counter and nothing else. A counter key gets its TTL when its count
// comes back as 1 (created, or back from zero after releases).
// Reservation value: "<state>|<amountFen>|<t0 0/1>|<t0 key>|<counter keys separated by spaces>".
const RESERVE_SCRIPT = `${PARSE_RESERVATION}
local counterCount = tonumber(ARGV[5])
local t0Key = KEYS[3 + counterCount]
local watchCount = tonumber(ARGV[9])
local watched = {}
if watchCount > 0 then
  local first = 4 + counterCount
  if redis.call('EXISTS', unpack(KEYS, first, first + watchCount - 1)) > 0 then
    for w = 1, watchCount do
      if redis.call('EXISTS', KEYS[first + w - 1]) == 1 then watched[#watched + 1] = tostring(w) end
    end
  end
end
local watchedText = table.concat(watched, ',')
if counterCount == 0 then return {'none', '0', watchedText} end
local existing = redis.call('GET', KEYS[1])
if existing then
  local _, _, storedT0 = parseReservation(existing)
  return {'replay', storedT0, watchedText}
end
local amount = tonumber(ARGV[2])
local violations = {}
for i = 1, counterCount do
  local key = KEYS[2 + i]
  local base = 9 + (i - 1) * 3
  local newAmount = redis.call('HINCRBY', key, 'a', amount)
  local newCount = redis.call('HINCRBY', key, 'n', 1)
  if newCount == 1 then redis.call('EXPIRE', key, tonumber(ARGV[base + 3])) end
  if newAmount > tonumber(ARGV[base + 1]) then violations[#violations + 1] = 'a' .. i end
  if newCount > tonumber(ARGV[base + 2]) then violations[#violations + 1] = 'n' .. i end
end
if #violations > 0 then
  for i = 1, counterCount do
    redis.call('HINCRBY', KEYS[2 + i], 'a', -amount)
    redis.call('HINCRBY', KEYS[2 + i], 'n', -1)
  end
  return {'violated', '0', watchedText, table.concat(violations, ',')}
end
local t0 = '0'
if ARGV[6] == '1' then
  local used = redis.call('HINCRBY', t0Key, 'a', amount)
  if used <= tonumber(ARGV[7]) then
    t0 = '1'
    if used == amount then redis.call('EXPIRE', t0Key, tonumber(ARGV[8])) end
  else
    redis.call('HINCRBY', t0Key, 'a', -amount)
  end
end
redis.call('SET', KEYS[1], 'pending|' .. ARGV[2] .. '|' .. t0 .. '|' .. t0Key .. '|' .. table.concat(KEYS, ' ', 3, 2 + counterCount), 'EX', tonumber(ARGV[4]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
return {'reserved', t0, watchedText}
`;

const RELEASE_SCRIPT = `${PARSE_RESERVATION}
redis.call('ZREM', KEYS[2], ARGV[1])
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local state, amount, t0, t0Key, keys = parseReservation(value)
if state ~= 'pending' and state ~= 'confirmed' then return 0 end
for key in string.gmatch(keys, '%S+') do
  if redis.call('EXISTS', key) == 1 then
    redis.call('HINCRBY', key, 'a', -amount)
    redis.call('HINCRBY', key, 'n', -1)
  end
end
if t0 == '1' and redis.call('EXISTS', t0Key) == 1 then redis.call('HINCRBY', t0Key, 'a', -amount) end
redis.call('SET', KEYS[1], 'released|' .. amount .. '|' .. t0 .. '|' .. t0Key .. '|' .. keys, 'KEEPTTL')
return 1
`;

const CONFIRM_SCRIPT = `${PARSE_RESERVATION}
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local state, amount, t0, t0Key, keys = parseReservation(value)
if state ~= 'pending' and state ~= 'confirmed' then return 0 end
redis.call('SET', KEYS[1], 'confirmed|' .. amount .. '|' .. t0 .. '|' .. t0Key .. '|' .. keys, 'EX', tonumber(ARGV[2]))
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

type ScriptRunner = (keyCount: number, ...args: (string | number)[]) => Promise<unknown>;

interface RiskRedis extends Redis {
  riskReserve: ScriptRunner;
  riskRelease: ScriptRunner;
  riskConfirm: ScriptRunner;
}

export interface ReserveRequest {
  reservationId: string;
  amountFen: Fen;
  counters: readonly CounterCheck[];
  t0: T0Check | undefined;
  /** Logical watch keys ("watch:c:<token>") whose existence flags the transaction. */
  watchKeys: readonly string[];
  pendingUntilMs: number;
}

export type ReserveResult =
  | { kind: 'reserved' | 'replay'; t0Eligible: boolean; watchedIndexes: number[] }
  | { kind: 'none'; watchedIndexes: number[] }
  | {
      kind: 'violated';
      watchedIndexes: number[];
      violations: { check: CounterCheck; dimension: 'amount' | 'count' }[];
    };

export class RedisBusyError extends Error {
  override readonly name = 'RedisBusyError';
  readonly code = 'RISK_REDIS_BUSY';
}

export class RedisCounters {
  readonly #redis: RiskRedis;
  readonly #prefix: string;
  readonly #reservesInFlightMax: number;
  #reservesInFlight = 0;

  constructor(redis: Redis, keyPrefix: string, reservesInFlightMax: number = REDIS_RESERVES_IN_FLIGHT_MAX) {
    assert(keyPrefix.length > 0, 'a key prefix keeps tenants and tests apart');
    assert(
      reservesInFlightMax >= 1 && reservesInFlightMax <= REDIS_RESERVES_IN_FLIGHT_MAX,
      'config may lower the bound',
    );
    this.#reservesInFlightMax = reservesInFlightMax;
    this.#redis = redis as RiskRedis;
    this.#prefix = keyPrefix;
    if (typeof this.#redis.riskReserve !== 'function') {
      redis.defineCommand('riskReserve', { lua: RESERVE_SCRIPT });
      redis.defineCommand('riskRelease', { lua: RELEASE_SCRIPT });
      redis.defineCommand('riskConfirm', { lua: CONFIRM_SCRIPT });
    }
  }

  #reservationKey(reservationId: string): string {
    return `${this.#prefix}res:${reservationId}`;
  }

  get #pendingKey(): string {
    return `${this.#prefix}pending`;
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    assert(request.counters.length <= COUNTERS_PER_ASSESS_MAX, 'counter checks are bounded');
    assert(request.amountFen >= 0n && request.amountFen < 2n ** 53n, 'amount must be exact in Lua');
    assert(!/[\s|]/.test(request.reservationId), 'reservation ids hold no separators');
    for (const check of request.counters) assert(!/[\s|]/.test(check.key), 'counter keys hold no separators');
    const keys = [
      this.#reservationKey(request.reservationId),
      this.#pendingKey,
      ...request.counters.map((check) => this.#prefix + check.key),
      this.#prefix + (request.t0?.key ?? 't0:none'),
      ...request.watchKeys.map((key) => this.#prefix + key),
    ];
    const args: (string | number)[] = [
      request.reservationId,
      request.amountFen.toString(),
      request.pendingUntilMs,
      RESERVATION_RETENTION_SECONDS,
      request.counters.length,
      request.t0 === undefined ? '0' : '1',
      (request.t0?.quotaFen ?? 0n).toString(),
      request.t0?.ttlSeconds ?? 0,
      request.watchKeys.length,
    ];
    for (const check of request.counters) {
      args.push(check.amountLimitFen.toString(), check.countLimit, check.ttlSeconds);
    }
    if (this.#reservesInFlight >= this.#reservesInFlightMax) {
      throw new RedisBusyError(`${this.#reservesInFlight} reserve scripts already waiting on Redis`);
    }
    this.#reservesInFlight += 1;
    try {
      const reply = (await this.#redis.riskReserve(keys.length, ...keys, ...args)) as string[];
      return parseReserveReply(reply, request.counters);
    } finally {
      this.#reservesInFlight -= 1;
      assert(this.#reservesInFlight >= 0, 'in-flight count never goes negative');
    }
  }

  /** Undoes a reservation's counters once; false when already released or unknown. */
  async release(reservationId: string, reason: string): Promise<boolean> {
    const keys = [this.#reservationKey(reservationId), this.#pendingKey];
    return (await this.#redis.riskRelease(2, ...keys, reservationId, reason)) === 1;
  }

  /** Keeps the counters (the network approved) and makes the reservation releasable for longer. */
  async confirm(reservationId: string): Promise<boolean> {
    const keys = [this.#reservationKey(reservationId), this.#pendingKey];
    return (await this.#redis.riskConfirm(2, ...keys, reservationId, RESERVATION_RETENTION_SECONDS)) === 1;
  }

  /** Releases reservations whose pending window ended; returns how many it released. */
  async sweepExpired(nowMs: number): Promise<number> {
    const expired = await this.#redis.zrangebyscore(this.#pendingKey, '-inf', nowMs, 'LIMIT', 0, SWEEP_BATCH_SIZE_MAX);
    let released = 0;
    for (const reservationId of expired) {
      if (await this.release(reservationId, 'timed_out')) released += 1;
    }
    return released;
  }

  async setWatch(watchKey: string, value: string, ttlSeconds: number): Promise<void> {
    assert(ttlSeconds > 0, 'watch entries expire');
    await this.#redis.set(this.#prefix + watchKey, value, 'EX', ttlSeconds);
  }

  async clearWatch(watchKeys: readonly string[]): Promise<void> {
    if (watchKeys.length === 0) return;
    await this.#redis.del(...watchKeys.map((key) => this.#prefix + key));
  }

  /** Current counter values, for tests and the operator's view. */
  async readCounter(logicalKey: string): Promise<{ amountFen: bigint; count: number }> {
    const [amount, count] = await this.#redis.hmget(this.#prefix + logicalKey, 'a', 'n');
    return { amountFen: BigInt(amount ?? '0'), count: Number(count ?? '0') };
  }
}

function parseWatched(text: string | undefined): number[] {
  if (text === undefined || text === '') return [];
  return text.split(',').map((index) => Number(index) - 1);
}

function parseReserveReply(reply: string[], counters: readonly CounterCheck[]): ReserveResult {
  const [kind, t0, watchedText, violationText] = reply;
  const watchedIndexes = parseWatched(watchedText);
  if (kind === 'none') return { kind, watchedIndexes };
  if (kind === 'reserved' || kind === 'replay') return { kind, t0Eligible: t0 === '1', watchedIndexes };
  assert(kind === 'violated' && violationText !== undefined, `unexpected reserve reply ${String(kind)}`);
  const violations = violationText.split(',').map((code) => {
    const check = counters[Number(code.slice(1)) - 1];
    assert(check !== undefined, 'violation names a known counter');
    return { check, dimension: code.startsWith('a') ? ('amount' as const) : ('count' as const) };
  });
  assert(violations.length > 0, 'a violated reply names its counters');
  return { kind: 'violated', watchedIndexes, violations };
}
