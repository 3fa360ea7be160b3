/**
 * The terminal profile `acq pos` keeps between invocations, as a terminal keeps its parameters:
 * identity, TMK (in clear: a development tool, file mode 0600), batch and trace numbering, the
 * journal of approved transactions for voids, refunds, completions and batch totals, and the last
 * financial request (without card data) so it can be reversed. No PAN, PIN or track is stored.
 */
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { assert } from '@acq/assert';
import type { EntryMode, FinancialKind, TransactionResult } from '@acq/terminal-protocol';
import { CliUsageError } from '../../command.ts';

/** The terminal refuses the request itself (unknown original, already voided): exit 1, no usage text. */
export class PosRefusal extends Error {
  override readonly name = 'PosRefusal';
  readonly code = 'POS_REFUSAL';
}

/** Journal entries kept; the oldest settled ones go first (a terminal's batch is far smaller). */
export const PROFILE_JOURNAL_ENTRIES_MAX = 500;

export interface JournalEntry {
  kind: FinancialKind;
  stan: string;
  batchNumber: string;
  rrn: string;
  authCode: string;
  dateMmdd: string;
  /** Digit string: JSON carries fen as strings. */
  amountFen: string;
  panMasked: string;
  /** Closed by a batch settlement: counts in no later totals and can no longer be voided. */
  settled: boolean;
  /** Cancelled by a void (or its own reversal never reached the journal). */
  voided: boolean;
}

export interface PendingRequest {
  kind: FinancialKind;
  stan: string;
  batchNumber: string;
  amountFen: string;
  panMasked: string;
  entryMode: EntryMode;
  withoutPin: boolean;
  /** The journal STAN of the original (void, refund, completion). */
  originalStan: string | undefined;
}

export interface TerminalProfile {
  version: 1;
  terminalId: string;
  merchantId: string;
  merchantNumber: string;
  tmkHex: string;
  batchNumber: string;
  lastStan: number;
  journal: JournalEntry[];
  lastRequest: PendingRequest | null;
}

export function terminalsDirectory(): string {
  return join(homedir(), '.acq', 'terminals');
}

export function profilePathOf(terminalId: string): string {
  return join(terminalsDirectory(), `${terminalId}.json`);
}

/** --profile wins; else --terminal names the file; else the only profile there is. */
export async function resolveProfilePath(profile: string | undefined, terminalId: string | undefined) {
  if (profile !== undefined) return profile;
  if (terminalId !== undefined) return profilePathOf(terminalId);
  const names = await readdir(terminalsDirectory()).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const profiles = names.filter((name) => name.endsWith('.json'));
  if (profiles.length === 1) return join(terminalsDirectory(), profiles[0] as string);
  throw new CliUsageError(
    profiles.length === 0
      ? 'no terminal profile: run "acq pos activate --serial SN --code CODE" first'
      : `${profiles.length} terminal profiles in ${terminalsDirectory()}: choose one with --terminal or --profile`,
  );
}

export async function loadProfile(path: string): Promise<TerminalProfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new CliUsageError(`no terminal profile at ${path}`);
    throw error;
  }
  const profile = JSON.parse(text) as TerminalProfile;
  assert(profile.version === 1, 'a version 1 terminal profile');
  assert(/^[0-9]{6}$/.test(profile.batchNumber), 'the profile batch number is six digits');
  return profile;
}

export async function saveProfile(path: string, profile: TerminalProfile): Promise<void> {
  assert(profile.lastStan >= 0 && profile.lastStan <= 999_999, 'a STAN is 0..999999');
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

export function journalEntryOf(result: TransactionResult, panMasked: string): JournalEntry {
  assert(result.kind !== 'REVERSAL' && result.kind !== 'SETTLEMENT', 'only financial results are journaled');
  return {
    kind: result.kind as FinancialKind,
    stan: result.stan,
    batchNumber: result.batchNumber,
    rrn: result.rrn,
    authCode: result.authCode,
    dateMmdd: result.dateMmdd,
    amountFen: result.amountFen.toString(),
    panMasked,
    settled: false,
    voided: false,
  };
}

/** Appends an approved entry, dropping the oldest settled entries beyond the cap. */
export function appendJournal(journal: JournalEntry[], entry: JournalEntry): JournalEntry[] {
  const next = [...journal, entry];
  while (next.length > PROFILE_JOURNAL_ENTRIES_MAX) {
    const oldestSettled = next.findIndex((candidate) => candidate.settled);
    next.splice(oldestSettled === -1 ? 0 : oldestSettled, 1);
  }
  assert(next.length <= PROFILE_JOURNAL_ENTRIES_MAX, 'the journal stays within its cap');
  return next;
}

/** The open (unsettled) entry with this STAN, newest first: STANs wrap, batches do not repeat. */
export function findJournalEntry(journal: readonly JournalEntry[], stan: string): JournalEntry {
  const padded = stan.padStart(6, '0');
  for (let index = journal.length - 1; index >= 0; index--) {
    const entry = journal[index] as JournalEntry;
    if (entry.stan === padded) return entry;
  }
  throw new PosRefusal(`no transaction with STAN ${padded} in the terminal's journal`);
}

/** Batch totals of the open batch (DE48): purchases and completions debit, refunds credit. */
export function batchTotals(journal: readonly JournalEntry[]) {
  let debitFen = 0n;
  let debitCount = 0;
  let creditFen = 0n;
  let creditCount = 0;
  for (const entry of journal) {
    if (entry.settled || entry.voided) continue;
    if (entry.kind === 'PURCHASE' || entry.kind === 'COMPLETION') {
      debitFen += BigInt(entry.amountFen);
      debitCount++;
    } else if (entry.kind === 'REFUND') {
      creditFen += BigInt(entry.amountFen);
      creditCount++;
    }
  }
  return { debitFen, debitCount, creditFen, creditCount };
}
