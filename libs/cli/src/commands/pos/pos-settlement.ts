/**
 * Batch settlement (0500) from the profile's journal. The simulator's own settle() totals the
 * journal it kept in memory, which a one-shot CLI process does not have; this builds the same
 * 0500 from the persisted journal and sends it through the signed-in simulator's MAC and link.
 */
import { assert } from '@acq/assert';
import type { IsoMessage } from '@acq/iso8583';
import { amountFieldFromFen, type Fen } from '@acq/money';
import { NETWORK_MANAGEMENT, type TerminalConnection, type TerminalSimulator } from '@acq/terminal-protocol';
import { batchTotals, type JournalEntry } from './pos-profile.ts';

/** Domestic totals (31 digits, result 0 from the terminal) followed by empty foreign-card totals. */
export function settlementField48(journal: readonly JournalEntry[]): string {
  const totals = batchTotals(journal);
  const domestic = `${amountFieldFromFen(totals.debitFen as Fen)}${String(totals.debitCount).padStart(3, '0')}${amountFieldFromFen(totals.creditFen as Fen)}${String(totals.creditCount).padStart(3, '0')}0`;
  assert(domestic.length === 31, 'domestic totals are 31 digits');
  return `${domestic}${'0'.repeat(31)}`;
}

export interface SettlementOutcome {
  request: IsoMessage;
  response: IsoMessage;
  responseCode: string;
  /** 1 balanced, 2 not balanced, undefined when the reply carried no field 48. */
  result: number | undefined;
}

export async function sendSettlement(
  terminal: TerminalSimulator,
  connection: TerminalConnection,
  journal: readonly JournalEntry[],
  replyTimeoutMs: number,
): Promise<SettlementOutcome> {
  const stan = terminal.nextStan();
  const fields = new Map<number, string>([
    [11, stan],
    [41, terminal.identity.terminalId],
    [42, terminal.identity.merchantNumber],
    [48, settlementField48(journal)],
    [49, '156'],
    [60, `00${terminal.batchNumber}${NETWORK_MANAGEMENT.batchSettlement}`],
    [63, '001'],
  ]);
  const request: IsoMessage = { mti: '0500', fields };
  const reply = await connection.exchange(terminal.encode(request), stan, replyTimeoutMs);
  const responseCode = reply.message.fields.get(39);
  const field48 = reply.message.fields.get(48);
  const resultDigit = typeof field48 === 'string' && field48.length >= 31 ? Number(field48[30]) : undefined;
  return {
    request,
    response: reply.message,
    responseCode: typeof responseCode === 'string' ? responseCode : '',
    result: resultDigit,
  };
}
