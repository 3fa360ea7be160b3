/** `acq bench` command line -> validated options (pure, unit-tested). */
import { parseArgs } from 'node:util';
import { BENCH_TERMINALS_MAX, type LoadMode, type TransactionMix } from '@acq/bench';
import { CliUsageError } from '../../command.ts';

/** A run longer than an hour is a soak test, not a bench; use a dedicated tool. */
export const BENCH_DURATION_MS_MAX = 3_600_000;
/** The open-loop scheduler and one 2-core machine cannot offer more than this. */
export const BENCH_RATE_PER_SECOND_MAX = 100_000;
export const DEFAULT_MIX: TransactionMix = { purchase: 85, balance: 10, void: 5 };

export interface BenchOptions {
  terminals: number;
  mode: LoadMode;
  durationMs: number;
  warmupMs: number;
  mix: TransactionMix;
  jsonPath: string | undefined;
  ceiling: boolean;
  host: string;
  port: number;
  apiUrl: string;
  networkSimUrl: string;
  databaseUrl: string;
  statePath: string | undefined;
  terminalsPerMerchant: number;
  cards: number;
  timeoutMs: number;
  verify: boolean;
}

const DURATION_PATTERN = /^(\d+)(ms|s|m)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** "60s", "500ms", "2m" or a bare number of seconds. */
export function parseDurationMs(text: string, what: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (match === null) throw new CliUsageError(`${what} must look like 60s, 500ms or 2m`);
  const milliseconds = Number(match[1]) * (UNIT_MS[match[2] ?? 's'] as number);
  if (!Number.isSafeInteger(milliseconds) || milliseconds > BENCH_DURATION_MS_MAX) {
    throw new CliUsageError(`${what} must be at most ${BENCH_DURATION_MS_MAX / 60_000} minutes`);
  }
  return milliseconds;
}

/** "purchase=85,balance=10,void=5": non-negative integer weights, at least one purchase weight. */
export function parseMix(text: string): TransactionMix {
  const mix: TransactionMix = { purchase: 0, balance: 0, void: 0 };
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const [kind, weightText, ...rest] = part.trim().split('=');
    if (kind !== 'purchase' && kind !== 'balance' && kind !== 'void') {
      throw new CliUsageError(`--mix: unknown transaction "${kind}" (purchase, balance, void)`);
    }
    if (seen.has(kind)) throw new CliUsageError(`--mix: ${kind} given twice`);
    seen.add(kind);
    if (rest.length > 0 || weightText === undefined || !/^\d{1,6}$/.test(weightText)) {
      throw new CliUsageError(`--mix: ${kind} needs a whole-number weight, e.g. ${kind}=10`);
    }
    mix[kind] = Number(weightText);
  }
  // Voids need an approved purchase on the same terminal to cancel.
  if (mix.purchase === 0) throw new CliUsageError('--mix: the purchase weight must be above 0');
  return mix;
}

function parseIntegerOption(text: string, what: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliUsageError(`${what} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A terminal waits 60 s for its reply (DESIGN.md section 4); the bench never waits longer. */
export const BENCH_REPLY_TIMEOUT_MS_MAX = 60_000;

function parseTimeoutMs(text: string): number {
  const timeoutMs = parseDurationMs(text, '--timeout');
  if (timeoutMs === 0 || timeoutMs > BENCH_REPLY_TIMEOUT_MS_MAX) {
    throw new CliUsageError(`--timeout must be above 0 and at most ${BENCH_REPLY_TIMEOUT_MS_MAX / 1000}s`);
  }
  return timeoutMs;
}

const OPTIONS = {
  terminals: { type: 'string', default: '100' },
  rate: { type: 'string' },
  closed: { type: 'boolean', default: false },
  duration: { type: 'string', default: '60s' },
  warmup: { type: 'string', default: '5s' },
  mix: { type: 'string', default: 'purchase=85,balance=10,void=5' },
  json: { type: 'string' },
  ceiling: { type: 'boolean', default: false },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8583' },
  api: { type: 'string', default: 'http://127.0.0.1:8080' },
  'network-sim': { type: 'string', default: 'http://127.0.0.1:8601' },
  state: { type: 'string' },
  'terminals-per-merchant': { type: 'string', default: '10' },
  cards: { type: 'string', default: '100' },
  timeout: { type: 'string', default: '30s' },
  'no-verify': { type: 'boolean', default: false },
} as const;

export function parseBenchOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: OPTIONS,
  });
  if (positionals.length > 0) throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
  if ((values.rate === undefined) === (values.closed !== true)) {
    throw new CliUsageError('give either --rate R (open loop) or --closed');
  }
  const mode: LoadMode =
    values.rate === undefined
      ? { kind: 'closed' }
      : { kind: 'open', ratePerSecond: parseIntegerOption(values.rate, '--rate', 1, BENCH_RATE_PER_SECOND_MAX) };
  const durationMs = parseDurationMs(values.duration, '--duration');
  if (durationMs === 0) throw new CliUsageError('--duration must be above 0');
  return {
    terminals: parseIntegerOption(values.terminals, '--terminals', 1, BENCH_TERMINALS_MAX),
    mode,
    durationMs,
    warmupMs: parseDurationMs(values.warmup, '--warmup'),
    mix: parseMix(values.mix),
    jsonPath: values.json,
    ceiling: values.ceiling,
    host: values.host,
    port: parseIntegerOption(values.port, '--port', 1, 65_535),
    apiUrl: values.api.replace(/\/+$/, ''),
    networkSimUrl: values['network-sim'].replace(/\/+$/, ''),
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    statePath: values.state,
    terminalsPerMerchant: parseIntegerOption(values['terminals-per-merchant'], '--terminals-per-merchant', 1, 1_000),
    cards: parseIntegerOption(values.cards, '--cards', 1, 1_000),
    timeoutMs: parseTimeoutMs(values.timeout),
    verify: !values['no-verify'],
  };
}
