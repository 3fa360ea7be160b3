/**
 * Turns a transaction and the policy into limit checks: pure single-transaction checks decided
 * here, and period counters (day and month in Asia/Shanghai, per merchant, terminal and card) that
 * the Redis script checks and increments atomically.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { type AssessInput, decline, type RuleFiring } from './assessment.ts';
import type { PeriodLimits, RiskPolicy } from './policy.ts';

/** China has no daylight saving: local time is UTC+8 all year. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_COUNTER_TTL_SECONDS = 2 * 24 * 3600;
const MONTH_COUNTER_TTL_SECONDS = 33 * 24 * 3600;

export interface CounterCheck {
  /** Logical key, e.g. "m:mch_1:d:20261122"; the store adds its prefix. */
  key: string;
  amountLimitFen: Fen;
  countLimit: number;
  ttlSeconds: number;
  amountRule: string;
  countRule: string;
}

export interface T0Check {
  key: string;
  quotaFen: Fen;
  ttlSeconds: number;
}

export interface LimitPlan {
  singleFirings: RuleFiring[];
  counters: CounterCheck[];
  t0: T0Check | undefined;
}

const DAY_MS = 86_400_000;
/** Formatting a date costs more than the rest of planning; every request of a day shares one key. */
const dayKeyCache = { dayNumber: Number.NaN, key: '' };

export function shanghaiDayKey(atMs: number): string {
  const dayNumber = Math.floor((atMs + SHANGHAI_OFFSET_MS) / DAY_MS);
  if (dayNumber !== dayKeyCache.dayNumber) {
    dayKeyCache.key = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
    dayKeyCache.dayNumber = dayNumber;
  }
  assert(dayKeyCache.key.length === 8, 'day keys are YYYYMMDD');
  return dayKeyCache.key;
}

export function shanghaiMonthKey(atMs: number): string {
  return shanghaiDayKey(atMs).slice(0, 6);
}

export function shanghaiHour(atMs: number): number {
  return new Date(atMs + SHANGHAI_OFFSET_MS).getUTCHours();
}

function periodChecks(scope: string, id: string, limits: PeriodLimits, atMs: number): CounterCheck[] {
  assert(id.length > 0, 'counter subject needs an id');
  return [
    {
      key: `${scope}:${id}:d:${shanghaiDayKey(atMs)}`,
      amountLimitFen: limits.dailyAmountFen,
      countLimit: limits.dailyCount,
      ttlSeconds: DAY_COUNTER_TTL_SECONDS,
      amountRule: `limit.${scopeName(scope)}.daily_amount`,
      countRule: `limit.${scopeName(scope)}.daily_count`,
    },
    {
      key: `${scope}:${id}:m:${shanghaiMonthKey(atMs)}`,
      amountLimitFen: limits.monthlyAmountFen,
      countLimit: limits.monthlyCount,
      ttlSeconds: MONTH_COUNTER_TTL_SECONDS,
      amountRule: `limit.${scopeName(scope)}.monthly_amount`,
      countRule: `limit.${scopeName(scope)}.monthly_count`,
    },
  ];
}

function scopeName(scope: string): string {
  if (scope === 'm') return 'merchant';
  if (scope === 't') return 'terminal';
  assert(scope === 'c', 'scopes are m, t and c');
  return 'card';
}

export function planLimits(input: AssessInput, policy: RiskPolicy['limits'], t0Suspended: boolean): LimitPlan {
  assert(input.amountFen >= 0n, 'amounts are never negative');
  const byType = policy[input.terminal.merchantType];
  const singleFirings: RuleFiring[] = [];
  if (input.amountFen > byType.singleAmountFen) {
    singleFirings.push(
      decline('limit.merchant.single_amount', '61', `amount over the ${input.terminal.merchantType} single limit`),
    );
  }
  const cardLimits = input.cardKind === 'unknown' ? undefined : policy[input.cardKind];
  if (cardLimits !== undefined && input.amountFen > cardLimits.singleAmountFen) {
    singleFirings.push(
      decline('limit.card.single_amount', '61', `amount over the ${input.cardKind} card single limit`),
    );
  }
  if (input.entryMode === 'contactless' && !input.pinPresent && input.amountFen > policy.contactlessNoPinAmountFen) {
    singleFirings.push(decline('limit.contactless_no_pin', '61', 'contactless without PIN over the no-CVM limit'));
  }
  const counters = [
    ...periodChecks('m', input.terminal.merchantId, byType.merchant, input.occurredAtMs),
    ...periodChecks('t', input.terminal.terminalId, byType.terminal, input.occurredAtMs),
  ];
  if (cardLimits !== undefined && input.cardToken !== '') {
    counters.push(...periodChecks('c', input.cardToken, cardLimits.card, input.occurredAtMs));
  }
  const t0Wanted = input.terminal.t0Enabled && !t0Suspended && input.amountFen <= policy.t0SingleAmountFen;
  const t0 = t0Wanted
    ? {
        key: `t0:${input.terminal.merchantId}:d:${shanghaiDayKey(input.occurredAtMs)}`,
        quotaFen: policy.t0DailyQuotaFen,
        ttlSeconds: DAY_COUNTER_TTL_SECONDS,
      }
    : undefined;
  return { singleFirings, counters, t0 };
}
