/**
 * The terminals and cards a bench run drives. Against the platform: merchants and terminals
 * onboarded over the HTTP API once and cached in a state file (activation is one-time), fresh cards
 * with large balances at network-sim each run. In ceiling mode: synthetic terminals that share the
 * bare responder's TMK. Every terminal gets its own TCP connection and signs in.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { assert } from '@acq/assert';
import {
  addActivatedTerminal,
  createCard,
  lastStanOf,
  type OnboardedTerminal,
  onboardMerchant,
  openTerminalSession,
  type PlatformEndpoints,
  type TerminalSession,
  uniqueSerialNumber,
} from '@acq/bench';
import type { TerminalIdentity, TestCard } from '@acq/terminal-protocol';
import type { BenchOptions } from './bench-options.ts';

/** Sign-ins and onboarding calls in flight at once: enough to be quick, few enough not to spike. */
export const SETUP_CONCURRENCY = 16;
/** Each card can carry a long run of purchases without running dry. */
export const BENCH_CARD_BALANCE_FEN = 1_000_000_000_000n;
const BENCH_CARD_PIN = '123456';
/** The merchant category the bench merchants register with (restaurants, standard fee plan). */
const BENCH_MCC = '5812';

interface CachedTerminal extends OnboardedTerminal {
  lastStan: number;
}

interface BenchState {
  version: 1;
  apiUrl: string;
  terminals: CachedTerminal[];
}

export function defaultStatePath(): string {
  return join(homedir(), '.acq', 'bench-state.json');
}

async function loadState(path: string, apiUrl: string): Promise<BenchState> {
  const empty: BenchState = { version: 1, apiUrl, terminals: [] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return empty;
    throw error;
  }
  const state = JSON.parse(text) as BenchState;
  return state.version === 1 && state.apiUrl === apiUrl && Array.isArray(state.terminals) ? state : empty;
}

/**
 * The state holds clear TMKs of bench terminals (a dev tool), so only its owner may read it. The
 * write is synchronous so an interrupted run can still record where its numbering stopped.
 */
export function saveState(path: string, state: BenchState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Runs `work` over the items with at most SETUP_CONCURRENCY in flight, keeping the order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, items.length) }, worker));
  return results;
}

async function onboardTerminals(count: number, options: BenchOptions, endpoints: PlatformEndpoints) {
  const merchantCount = Math.ceil(count / options.terminalsPerMerchant);
  const sequenceBase = Date.now() % 1_000_000;
  const merchants = await mapWithConcurrency(Array.from({ length: merchantCount }), (_, index) =>
    onboardMerchant(sequenceBase + index, BENCH_MCC, endpoints),
  );
  return mapWithConcurrency(Array.from({ length: count }), async (_, index) => {
    const merchant = merchants[Math.floor(index / options.terminalsPerMerchant)];
    assert(merchant !== undefined, 'a merchant for every terminal');
    const terminal = await addActivatedTerminal(merchant, uniqueSerialNumber(sequenceBase, index), endpoints);
    return { ...terminal, lastStan: 0 };
  });
}

export interface BenchFleet {
  sessions: TerminalSession[];
  cards: TestCard[];
  /** Stores where each terminal's numbering stopped, so the next run does not repeat a trace. */
  finish(): Promise<void>;
  /** The same record, synchronously, for a run interrupted by a signal (connections stay open). */
  recordInterrupted(): void;
}

function refusedSignIns(sessions: readonly TerminalSession[]): TerminalSession[] {
  return sessions.filter((session) => session.signIn.responseCode !== '00');
}

function closeAll(sessions: readonly TerminalSession[]): void {
  for (const session of sessions) session.connection.close();
}

async function signInAll(
  cached: readonly (TerminalIdentity & { lastStan: number })[],
  options: BenchOptions,
): Promise<TerminalSession[]> {
  return mapWithConcurrency(cached, (terminal) =>
    openTerminalSession({
      host: options.host,
      port: options.port,
      identity: terminal,
      lastStan: terminal.lastStan,
      replyTimeoutMs: options.timeoutMs,
    }),
  );
}

/**
 * Platform fleet: reuses the cached terminals when they still sign in (a reset platform forgets
 * them; then the cache is dropped and the fleet onboarded again, once).
 */
export async function preparePlatformFleet(
  options: BenchOptions,
  endpoints: PlatformEndpoints,
  log: (line: string) => void,
): Promise<BenchFleet> {
  const statePath = options.statePath ?? defaultStatePath();
  let state = await loadState(statePath, options.apiUrl);
  let sessions: TerminalSession[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const missing = options.terminals - state.terminals.length;
    if (missing > 0) {
      log(`onboarding ${missing} terminals (${options.terminalsPerMerchant} per merchant) at ${options.apiUrl}`);
      state.terminals.push(...(await onboardTerminals(missing, options, endpoints)));
      saveState(statePath, state);
    }
    sessions = await signInAll(state.terminals.slice(0, options.terminals), options);
    const refused = refusedSignIns(sessions);
    if (refused.length === 0) break;
    closeAll(sessions);
    const codes = [...new Set(refused.map((session) => session.signIn.responseCode))].join(',');
    if (attempt === 1) throw new Error(`${refused.length} freshly onboarded terminals refused at sign-in (${codes})`);
    log(`${refused.length} cached terminals refused at sign-in (${codes}); onboarding a new fleet`);
    state = { version: 1, apiUrl: options.apiUrl, terminals: [] };
  }
  log(`creating ${options.cards} cards at ${options.networkSimUrl}`);
  const cards = await mapWithConcurrency(Array.from({ length: options.cards }), () =>
    createCard({ balanceFen: BENCH_CARD_BALANCE_FEN, pin: BENCH_CARD_PIN }, endpoints),
  );
  return {
    sessions,
    cards,
    finish: async () => {
      recordStans(statePath, state, sessions);
      closeAll(sessions);
    },
    recordInterrupted: () => recordStans(statePath, state, sessions),
  };
}

function recordStans(statePath: string, state: BenchState, sessions: readonly TerminalSession[]): void {
  for (const [index, session] of sessions.entries()) {
    const cached = state.terminals[index];
    assert(cached?.terminalId === session.terminal.identity.terminalId, 'sessions follow the state order');
    cached.lastStan = lastStanOf(session.terminal);
  }
  saveState(statePath, state);
}

/** Ceiling fleet: synthetic terminals, all holding the bare responder's TMK. */
export async function prepareCeilingFleet(options: BenchOptions, port: number, tmkHex: string): Promise<BenchFleet> {
  const identities = Array.from({ length: options.terminals }, (_, index) => ({
    terminalId: `B${String(index + 1).padStart(7, '0')}`,
    merchantNumber: '898310058120001',
    tmkHex,
    lastStan: 0,
  }));
  const sessions = await signInAll(identities, { ...options, host: '127.0.0.1', port });
  const refused = refusedSignIns(sessions);
  if (refused.length > 0) {
    closeAll(sessions);
    throw new Error(`${refused.length} terminals refused at sign-in by the bare responder`);
  }
  // The responder never looks at card data; one synthetic card stands for all.
  const cards: TestCard[] = [{ pan: '6222021234567890128', expiryYymm: '3012', pin: BENCH_CARD_PIN }];
  return { sessions, cards, finish: async () => closeAll(sessions), recordInterrupted: () => {} };
}
