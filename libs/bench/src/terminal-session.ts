/**
 * Opening a terminal session the way `acq pos` and `acq bench` both need it: connect, resume the
 * terminal's trace numbering where its last session stopped (the host refuses a repeated
 * terminal + batch + trace as a duplicate), then sign in for fresh working keys.
 */
import { assert } from '@acq/assert';
import {
  TerminalConnection,
  type TerminalIdentity,
  TerminalSimulator,
  type TransactionResult,
} from '@acq/terminal-protocol';

/** STANs are six digits and wrap after this one. */
export const STAN_MAX = 999_999;
/** Connecting to the gateway is local; a slow connect means it is down or saturated. */
export const TERMINAL_CONNECT_TIMEOUT_MS = 5_000;

export interface TerminalSessionOptions {
  host: string;
  port: number;
  identity: TerminalIdentity;
  /** The last STAN this terminal used in an earlier session (0 for a new terminal). */
  lastStan: number;
  /** The batch the terminal's profile holds; sign-in may move it to the host's. */
  batchNumber?: string;
  replyTimeoutMs: number;
}

export interface TerminalSession {
  terminal: TerminalSimulator;
  connection: TerminalConnection;
  signIn: TransactionResult;
}

/** Moves a fresh simulator's trace counter past `lastStan` (the simulator numbers from 1). */
export function resumeStan(terminal: TerminalSimulator, lastStan: number): void {
  assert(Number.isInteger(lastStan) && lastStan >= 0 && lastStan <= STAN_MAX, 'a STAN is 0..999999');
  terminal.continueAfterStan(lastStan);
}

/** The STAN the terminal used last, for storing where a session stopped. */
export function lastStanOf(terminal: TerminalSimulator): number {
  const last = terminal.lastStan;
  assert(last >= 0 && last <= STAN_MAX, 'the simulator numbers 1..999999');
  return last;
}

export async function openTerminalSession(options: TerminalSessionOptions): Promise<TerminalSession> {
  const connection = await TerminalConnection.open(options.host, options.port, TERMINAL_CONNECT_TIMEOUT_MS);
  const terminal = new TerminalSimulator(connection, options.identity, { timeoutMs: options.replyTimeoutMs });
  if (options.batchNumber !== undefined) terminal.batchNumber = options.batchNumber;
  resumeStan(terminal, options.lastStan);
  try {
    return { terminal, connection, signIn: await terminal.signIn('003') };
  } catch (error) {
    connection.close();
    throw error;
  }
}
