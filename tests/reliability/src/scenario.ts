/**
 * The shape every scenario shares: a fleet of resilient terminals (one merchant and one card
 * each) driving purchases for a while, the drain of their reversals, and the figures the report
 * publishes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { assert } from '@acq/assert';
import { type ApprovalKey, createCard, onboardMerchantWithTerminal } from '@acq/bench';
import { fen } from '@acq/money';
import type { InvariantReport } from './invariants.ts';
import { ResilientTerminal } from './resilient-terminal.ts';
import type { SeededRandom } from './seeded-random.ts';

export const GATEWAY_HOST = '127.0.0.1';
export const GATEWAY_TCP_PORT = 8583;
/** Cards with room for any run: purchases never hit 51 for want of funds. */
const SCENARIO_CARD_BALANCE_FEN = 1_000_000_000_000n;
/** Purchase amounts (fen), below any small-amount or issuer limit. */
const PURCHASE_FEN_MIN = 100;
const PURCHASE_FEN_MAX = 9_999;
/**
 * Cards each terminal rotates through: the risk policy allows a debit card 50 purchases a day, and
 * fewer than 8 distinct cards per merchant in 10 minutes keeps the many-cards pattern quiet.
 */
const CARDS_PER_TERMINAL = 4;
/** After the load stops, terminals get this long to settle their reversals (gateway may be restarting). */
export const REVERSAL_DRAIN_TIMEOUT_MS = 90_000;
const REVERSAL_DRAIN_PAUSE_MS = 500;
/**
 * The scenarios run on a loaded 2-core machine: risk gets its largest allowed budget so that its
 * fail-closed 96 answers come from the injected faults rather than from CPU contention. A terminal
 * purchases back to back, so its 4 cards would reach risk's daily counts (50 per debit card, 200 per
 * individual terminal and merchant) halfway through a run and every later purchase would stop at risk with
 * 65, never reaching the network a crash can interrupt: the daily counts are raised to the monthly ones.
 */
export const SCENARIO_PLATFORM_ENVIRONMENT: NodeJS.ProcessEnv = {
  RISK_TIMEOUT_MS: '50',
  RISK_LIMITS_DEBIT_CARD_DAILY_COUNT: '500',
  RISK_LIMITS_INDIVIDUAL_TERMINAL_DAILY_COUNT: '3000',
  RISK_LIMITS_INDIVIDUAL_MERCHANT_DAILY_COUNT: '3000',
};

/** The log line of authorization's crash recovery reversing an interrupted intent at the network. */
const RECOVERY_REVERSAL_LOG_MESSAGE = 'interrupted intent closed as timed out; network reversal queued';

/**
 * How many intents a crash interrupted between "intent recorded" and "outcome recorded" authorization's
 * crash recovery has reversed at the network so far (whether the network had approved them or not).
 */
export function recoveryReversalsIn(logs: readonly string[]): number {
  return logs.filter((line) => line.includes(RECOVERY_REVERSAL_LOG_MESSAGE)).length;
}

/** Where each scenario writes its figures; docs/reliability.md quotes a run of them. */
export const RESULTS_DIRECTORY = process.env.RELIABILITY_RESULTS_DIR ?? '/tmp/acq-reliability-results';

export interface Fleet {
  terminals: ResilientTerminal[];
  pans: string[];
}

/** Onboards `count` merchants with one activated terminal and one card each (sequence keeps them apart). */
export async function prepareFleet(count: number, firstSequence: number): Promise<Fleet> {
  assert(count > 0, 'a fleet has terminals');
  const terminals: ResilientTerminal[] = [];
  const pans: string[] = [];
  for (let index = 0; index < count; index++) {
    const onboarded = await onboardMerchantWithTerminal(firstSequence + index);
    const cards = [];
    for (let cardIndex = 0; cardIndex < CARDS_PER_TERMINAL; cardIndex++) {
      cards.push(await createCard({ balanceFen: SCENARIO_CARD_BALANCE_FEN }));
    }
    pans.push(...cards.map((card) => card.pan));
    terminals.push(
      new ResilientTerminal({
        identity: {
          terminalId: onboarded.terminalId,
          merchantNumber: onboarded.merchantNumber,
          tmkHex: onboarded.tmkHex,
        },
        cards,
        host: GATEWAY_HOST,
        port: GATEWAY_TCP_PORT,
      }),
    );
  }
  return { terminals, pans };
}

/**
 * Every terminal purchases while `proceed` says so (closed loop, one request each), pausing
 * `paceMs` between purchases (0: back to back).
 */
export async function driveWhile(
  fleet: Fleet,
  proceed: () => boolean,
  random: SeededRandom,
  paceMs = 0,
): Promise<void> {
  await Promise.all(
    fleet.terminals.map(async (terminal) => {
      while (proceed()) {
        await terminal.step(fen(random.integer(PURCHASE_FEN_MIN, PURCHASE_FEN_MAX)));
        if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
      }
    }),
  );
}

export function driveUntil(fleet: Fleet, endAtMs: number, random: SeededRandom): Promise<void> {
  return driveWhile(fleet, () => Date.now() < endAtMs, random);
}

/** Settles every pending reversal; returns how many could not be settled in time (must be 0). */
export async function drainReversals(fleet: Fleet): Promise<number> {
  const deadline = Date.now() + REVERSAL_DRAIN_TIMEOUT_MS;
  for (;;) {
    const settled = await Promise.all(fleet.terminals.map((terminal) => terminal.settleReversals()));
    const unsettled = fleet.terminals.reduce((total, terminal) => total + terminal.pendingReversals.length, 0);
    if (settled.every(Boolean) || Date.now() > deadline) return unsettled;
    await new Promise((resolve) => setTimeout(resolve, REVERSAL_DRAIN_PAUSE_MS));
  }
}

export function approvalsOf(fleet: Fleet): ApprovalKey[] {
  return fleet.terminals.flatMap((terminal) => terminal.tally.approved);
}

export function terminalIdsOf(fleet: Fleet): string[] {
  return fleet.terminals.map((terminal) => terminal.identity.terminalId);
}

/** Per second of the run: answers by code, summed over the fleet ([second from start, {code: count}]). */
export function answerTimeline(fleet: Fleet, startedAtMs: number): Array<[number, Record<string, number>]> {
  const merged = new Map<number, Record<string, number>>();
  for (const { tally } of fleet.terminals) {
    for (const [second, codes] of tally.answersBySecond) {
      const offset = second - Math.floor(startedAtMs / 1000);
      const into = merged.get(offset) ?? {};
      for (const [code, count] of codes) into[code] = (into[code] ?? 0) + count;
      merged.set(offset, into);
    }
  }
  return [...merged.entries()].sort((a, b) => a[0] - b[0]);
}

export interface TerminalFigures {
  requestsSent: number;
  approvedToTerminals: number;
  declinedByCode: Record<string, number>;
  unknownOutcomes: number;
  reversalsSettled: number;
  reconnects: number;
  connectionFailures: number;
}

export function terminalFigures(fleet: Fleet): TerminalFigures {
  const figures: TerminalFigures = {
    requestsSent: 0,
    approvedToTerminals: 0,
    declinedByCode: {},
    unknownOutcomes: 0,
    reversalsSettled: 0,
    reconnects: 0,
    connectionFailures: 0,
  };
  for (const { tally } of fleet.terminals) {
    figures.requestsSent += tally.sent;
    figures.approvedToTerminals += tally.approved.length;
    figures.unknownOutcomes += tally.unknownOutcomes;
    figures.reversalsSettled += tally.reversalsSettled;
    figures.reconnects += tally.reconnects;
    figures.connectionFailures += tally.connectionFailures;
    for (const [code, count] of Object.entries(tally.declinedByCode)) {
      figures.declinedByCode[code] = (figures.declinedByCode[code] ?? 0) + count;
    }
  }
  return figures;
}

/** The invariant reading without the example lists, for the results file. */
export function invariantFigures(report: InvariantReport) {
  const side = (verification: InvariantReport['network']) => ({
    expected: verification.expected,
    found: verification.found,
    matched: verification.matched,
    lost: verification.lostCount,
    duplicated: verification.duplicatedCount,
    unknown: verification.unknownCount,
    authCodeMismatch: verification.authCodeMismatchCount,
    examples: { lost: verification.lost, duplicated: verification.duplicated, unknown: verification.unknown },
  });
  return {
    ...report,
    network: side(report.network),
    platform: side(report.platform),
    ledgerPostedImbalanceFen: report.ledgerPostedImbalanceFen.toString(),
    ledgerPendingImbalanceFen: report.ledgerPendingImbalanceFen.toString(),
  };
}

export function writeResults(scenario: string, seed: number, figures: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const path = `${RESULTS_DIRECTORY}/${scenario}.json`;
  const document = { scenario, seed, finishedAt: new Date().toISOString(), ...figures };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}

/** The services' log lines of a run, next to its figures, for reading a failure afterwards. */
export function writeLogs(name: string, lines: readonly string[]): void {
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  writeFileSync(`${RESULTS_DIRECTORY}/${name}.log`, `${lines.join('\n')}\n`);
}
