/** Shared builders for risk tests: a valid purchase input and wired flow dependencies on real Redis. */
import { randomUUID } from 'node:crypto';
import type { Fen } from '@acq/money';
import { Redis } from 'ioredis';
import type { AssessInput, RuleFiring } from '../src/domain/assessment.ts';
import { defaultRiskPolicy, type RiskPolicy } from '../src/domain/policy.ts';
import type { BlacklistView } from '../src/domain/state-rules.ts';
import type { AssessDependencies } from '../src/flows/assess.ts';
import { createRiskRedis, waitForRedis } from '../src/store/redis-client.ts';
import { RedisCounters } from '../src/store/redis-counters.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** 2026-11-22 10:00 Asia/Shanghai. */
export const DAYTIME_MS = Date.UTC(2026, 10, 22, 2, 0, 0);

export function uniquePrefix(): string {
  return `test:risk:${randomUUID()}:`;
}

export function purchaseInput(overrides: Partial<AssessInput> = {}): AssessInput {
  return {
    txnId: `auth_${randomUUID()}`,
    kind: 'purchase',
    terminal: {
      terminalId: 'T0000001',
      merchantId: 'mch_1',
      merchantNumber: '898581054110001',
      mcc: '5411',
      areaCode: '5810',
      merchantType: 'individual',
      merchantStatus: 'active',
      terminalStatus: 'activated',
      boundAtMs: DAYTIME_MS - 30 * 86_400_000,
      reboundAtMs: 0,
      t0Enabled: true,
      feeCategory: 'discounted',
      registeredLocation: { latitudeE6: 23_129_000, longitudeE6: 113_264_000, areaCode: '440100' },
    },
    cardToken: 'tok_card_1',
    cardKind: 'debit',
    amountFen: 10_000n as Fen,
    entryMode: 'contact_ic',
    pinPresent: true,
    merchantNumberFromTerminal: '898581054110001',
    reportedLocation: undefined,
    occurredAtMs: DAYTIME_MS,
    ...overrides,
  };
}

export class MemoryBlacklist implements BlacklistView {
  readonly cards = new Set<string>();
  readonly terminals = new Set<string>();
  readonly merchants = new Set<string>();
  hasCard(cardToken: string): boolean {
    return this.cards.has(cardToken);
  }
  hasTerminal(terminalId: string): boolean {
    return this.terminals.has(terminalId);
  }
  hasMerchant(merchantId: string): boolean {
    return this.merchants.has(merchantId);
  }
}

export interface TestRig {
  redis: Redis;
  counters: RedisCounters;
  deps: AssessDependencies;
  recorded: { input: AssessInput; firings: readonly RuleFiring[] }[];
  backgroundErrors: string[];
  redisErrors: string[];
  blacklist: MemoryBlacklist;
  suspendedT0: Set<string>;
  close(): Promise<void>;
}

export async function createRig(
  options: { policy?: RiskPolicy; redisUrl?: string; prefix?: string; skipReady?: boolean; redis?: Redis } = {},
): Promise<TestRig> {
  // Behaviour tests get a generous command timeout so a busy CI machine cannot turn a limit check into
  // the fail-closed path; the slow and down policies are tested with their own clients.
  const redis =
    options.redis ??
    createRiskRedis({ url: options.redisUrl ?? REDIS_URL, commandTimeoutMs: 2_000, connectionName: 'risk-test' });
  const redisErrors: string[] = [];
  redis.on('error', (error: Error) => redisErrors.push(error.message));
  if (options.skipReady !== true) await waitForRedis(redis, 2_000);
  const prefix = options.prefix ?? uniquePrefix();
  const counters = new RedisCounters(redis, prefix);
  const recorded: TestRig['recorded'] = [];
  const backgroundErrors: string[] = [];
  const blacklist = new MemoryBlacklist();
  const suspendedT0 = new Set<string>();
  const deps: AssessDependencies = {
    policy: options.policy ?? defaultRiskPolicy(),
    counters,
    blacklist,
    isT0Suspended: (merchantId) => suspendedT0.has(merchantId),
    record: (input, firings) => recorded.push({ input, firings }),
    observe: () => {},
    newReservationId: () => `rsv_${randomUUID()}`,
    onBackgroundError: (operation) => backgroundErrors.push(operation),
    nowMs: () => DAYTIME_MS,
  };
  return {
    redis,
    counters,
    deps,
    recorded,
    backgroundErrors,
    redisErrors,
    blacklist,
    suspendedT0,
    async close() {
      if (options.redisUrl === undefined && options.redis === undefined) {
        // Cleanup gets its own connection: the rig's 50 ms command timeout is for the hot path.
        const cleaner = new Redis(REDIS_URL, { commandTimeout: 10_000 });
        await deleteKeysWithPrefix(cleaner, prefix);
        cleaner.disconnect();
      }
      redis.disconnect();
    },
  };
}

/** SCAN-based cleanup: KEYS would block a Redis shared with every other engineer's tests. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
