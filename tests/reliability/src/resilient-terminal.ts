/**
 * A terminal that behaves like a real POS through crashes: it reconnects and signs in again when
 * the gateway goes away, and reverses (0400) every request whose answer it never got before it
 * sends anything else, exactly as the CUP terminal specification asks. It keeps an exact ledger
 * of what it saw: approvals (with RRN and auth code), declines and unknown outcomes.
 */
import { assert } from '@acq/assert';
import { type ApprovalKey, lastStanOf, openTerminalSession, type TerminalSession } from '@acq/bench';
import type { Fen } from '@acq/money';
import type { IsoMessage } from '@acq/iso8583';
import type { TerminalIdentity, TestCard } from '@acq/terminal-protocol';

/** How long a terminal waits for an answer before it reverses (terminals use up to 60 s). */
export const TERMINAL_REPLY_TIMEOUT_MS = 20_000;
/** Pause after a failed connect or sign-in before trying again, so a down gateway is not hammered. */
export const RECONNECT_PAUSE_MS = 300;
/** A cashier does not retry a declined sale at once: the pause keeps fail-fast answers from spinning. */
export const DECLINE_THINK_TIME_MS = 50;
/** Answers to a reversal that mean the charge is not standing: undone, or never known to the host. */
const REVERSAL_SETTLED_CODES = new Set(['00', '25']);

export interface TerminalTally {
  sent: number;
  approved: ApprovalKey[];
  declinedByCode: Record<string, number>;
  /** Requests sent whose answer never came (timeout or connection lost). */
  unknownOutcomes: number;
  reversalsSettled: number;
  connectionFailures: number;
  reconnects: number;
  /** Epoch second the request was sent -> answer code (or 'unknown') -> count. */
  answersBySecond: Map<number, Map<string, number>>;
}

export class ResilientTerminal {
  readonly identity: TerminalIdentity;
  readonly cards: readonly TestCard[];
  #nextCard = 0;
  readonly #host: string;
  readonly #port: number;
  #session: TerminalSession | undefined;
  #lastStan = 0;
  #batchNumber: string | undefined;
  /** Requests to reverse before anything else is sent, oldest first. */
  readonly pendingReversals: IsoMessage[] = [];
  readonly tally: TerminalTally = {
    sent: 0,
    approved: [],
    declinedByCode: {},
    unknownOutcomes: 0,
    reversalsSettled: 0,
    connectionFailures: 0,
    reconnects: 0,
    answersBySecond: new Map(),
  };

  constructor(options: { identity: TerminalIdentity; cards: readonly TestCard[]; host: string; port: number }) {
    assert(options.cards.length > 0, 'a terminal has cards to use');
    this.identity = options.identity;
    this.cards = options.cards;
    this.#host = options.host;
    this.#port = options.port;
  }

  /** One step of a terminal's life: reconnect if needed, clear reversals, then one purchase. */
  async step(amountFen: Fen): Promise<void> {
    if (!(await this.#ensureSession())) return;
    if (!(await this.reversePending())) {
      await pause(RECONNECT_PAUSE_MS);
      return;
    }
    await this.#purchase(amountFen);
  }

  /** Sends the pending reversals in order; false when one is still unsettled (retry later). */
  async reversePending(): Promise<boolean> {
    while (this.pendingReversals.length > 0) {
      const session = this.#session;
      if (session === undefined) return false;
      const original = this.pendingReversals[0] as IsoMessage;
      try {
        const answer = await session.terminal.reverse(original);
        if (!REVERSAL_SETTLED_CODES.has(answer.responseCode)) return false;
      } catch {
        this.#dropSession();
        return false;
      }
      this.pendingReversals.shift();
      this.tally.reversalsSettled++;
    }
    return true;
  }

  /** Reconnects (if needed) and settles every pending reversal, for the drain after a scenario. */
  async settleReversals(): Promise<boolean> {
    if (this.pendingReversals.length === 0) return true;
    if (!(await this.#ensureSession())) return false;
    return this.reversePending();
  }

  close(): void {
    this.#session?.connection.close();
    this.#session = undefined;
  }

  async #purchase(amountFen: Fen): Promise<void> {
    const session = this.#session;
    assert(session !== undefined, 'a purchase runs on an open session');
    session.terminal.lastRequest = undefined;
    this.tally.sent++;
    const card = this.cards[this.#nextCard++ % this.cards.length] as TestCard;
    const second = Math.floor(Date.now() / 1000);
    try {
      const result = await session.terminal.purchase(card, amountFen);
      this.#countInTimeline(second, result.responseCode);
      if (result.responseCode === '00') {
        this.tally.approved.push({ terminalId: this.identity.terminalId, rrn: result.rrn, authCode: result.authCode });
        return;
      }
      this.tally.declinedByCode[result.responseCode] = (this.tally.declinedByCode[result.responseCode] ?? 0) + 1;
      await pause(DECLINE_THINK_TIME_MS);
    } catch {
      this.#countInTimeline(second, 'unknown');
      const sent = session.terminal.lastRequest;
      if (sent !== undefined) {
        this.tally.unknownOutcomes++;
        this.pendingReversals.push(sent);
      }
      this.#dropSession();
    }
  }

  #countInTimeline(second: number, code: string): void {
    let codes = this.tally.answersBySecond.get(second);
    if (codes === undefined) {
      codes = new Map();
      this.tally.answersBySecond.set(second, codes);
    }
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }

  async #ensureSession(): Promise<boolean> {
    if (this.#session !== undefined && !this.#session.connection.closed) return true;
    this.#dropSession();
    try {
      const session = await openTerminalSession({
        host: this.#host,
        port: this.#port,
        identity: this.identity,
        lastStan: this.#lastStan,
        ...(this.#batchNumber === undefined ? {} : { batchNumber: this.#batchNumber }),
        replyTimeoutMs: TERMINAL_REPLY_TIMEOUT_MS,
      });
      this.#session = session;
      if (session.signIn.responseCode !== '00') {
        this.#dropSession();
        return this.#failedConnect();
      }
      this.tally.reconnects++;
      return true;
    } catch {
      return this.#failedConnect();
    }
  }

  async #failedConnect(): Promise<false> {
    this.tally.connectionFailures++;
    await pause(RECONNECT_PAUSE_MS);
    return false;
  }

  /** Closes the session, remembering where its trace numbers and batch stopped. */
  #dropSession(): void {
    const session = this.#session;
    if (session === undefined) return;
    this.#lastStan = lastStanOf(session.terminal);
    this.#batchNumber = session.terminal.batchNumber;
    session.connection.close();
    this.#session = undefined;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
