/**
 * The transactions of `acq pos` on a signed-in terminal session: each turns the options and the
 * profile's journal into one simulator call, and records what a terminal records (journal entry,
 * last request for a reversal, settled batch).
 */
import { assert } from '@acq/assert';
import type { TerminalSession } from '@acq/bench';
import { maskPan } from '@acq/iso8583';
import type { Fen } from '@acq/money';
import type { FinancialKind, PaymentOptions, TestCard, TransactionResult } from '@acq/terminal-protocol';
import { type PosOptions, required } from './pos-options.ts';
import {
  appendJournal,
  findJournalEntry,
  type JournalEntry,
  journalEntryOf,
  PosRefusal,
  type TerminalProfile,
} from './pos-profile.ts';

/** A PIN the reversal rebuild encrypts only to shape the message like the original: field 52 is dropped. */
const REVERSAL_PLACEHOLDER_PIN = '000000';
/** Scan-code payments carry no card; the simulator needs a card object it will not read. */
const NO_CARD: TestCard = { pan: '', expiryYymm: '' };

export interface ActionOutcome {
  result: TransactionResult;
  panMasked: string | undefined;
}

/** A journal entry as the simulator's original-transaction argument (fields 61, 37, 38). */
export function originalOf(entry: JournalEntry): TransactionResult {
  return {
    kind: entry.kind,
    responseCode: '00',
    stan: entry.stan,
    batchNumber: entry.batchNumber,
    amountFen: BigInt(entry.amountFen) as Fen,
    rrn: entry.rrn,
    authCode: entry.authCode,
    dateMmdd: entry.dateMmdd,
    balanceFen: undefined,
    processingRequirement: 0,
    macValid: undefined,
    request: { mti: '', fields: new Map() },
    response: { mti: '', fields: new Map() },
  };
}

function paymentOptionsOf(options: PosOptions): PaymentOptions {
  return {
    entryMode: options.entryMode,
    withoutPin: options.withoutPin,
    ...(options.scanCode === undefined ? {} : { scanCode: options.scanCode }),
  };
}

function cardOf(options: PosOptions): { card: TestCard; panMasked: string | undefined } {
  if (options.entryMode === 'scan') {
    required(options.scanCode, '--scan-code with --entry scan');
    return { card: NO_CARD, panMasked: undefined };
  }
  const card = required(options.card, '--pan and --expiry (and --pin when the card has one)');
  return { card, panMasked: maskPan(card.pan) };
}

function openOriginal(profile: TerminalProfile, options: PosOptions, allowSettled: boolean): JournalEntry {
  const original = findJournalEntry(profile.journal, required(options.originalStan, '--stan of the original'));
  if (original.voided) throw new PosRefusal(`STAN ${original.stan} was already voided`);
  if (original.settled && !allowSettled) throw new PosRefusal(`STAN ${original.stan} is in a settled batch`);
  return original;
}

/** Sends one financial transaction and journals it when approved. */
export async function runFinancial(
  options: PosOptions,
  profile: TerminalProfile,
  session: TerminalSession,
): Promise<ActionOutcome> {
  const terminal = session.terminal;
  const { card, panMasked } = cardOf(options);
  let original: JournalEntry | undefined;
  let send: () => Promise<TransactionResult>;
  if (options.action === 'balance') send = () => terminal.balance(card, paymentOptionsOf(options));
  else if (options.action === 'purchase') {
    const amountFen = required(options.amountFen, '--amount-fen');
    send = () => terminal.purchase(card, amountFen, paymentOptionsOf(options));
  } else if (options.action === 'preauth') {
    const amountFen = required(options.amountFen, '--amount-fen');
    send = () => terminal.preauth(card, amountFen);
  } else if (options.action === 'void') {
    const entry = openOriginal(profile, options, false);
    original = entry;
    send = () => terminal.void(originalOf(entry), card);
  } else if (options.action === 'refund') {
    const entry = openOriginal(profile, options, true);
    original = entry;
    send = () => terminal.refund(originalOf(entry), card, required(options.amountFen, '--amount-fen'));
  } else {
    assert(options.action === 'completion', 'the remaining financial action is completion');
    const entry = openOriginal(profile, options, true);
    if (entry.kind !== 'PREAUTH') throw new PosRefusal(`STAN ${entry.stan} is not a pre-authorization`);
    original = entry;
    send = () => terminal.completion(originalOf(entry), card, required(options.amountFen, '--amount-fen'));
  }
  try {
    const result = await send();
    if (result.responseCode === '00' && result.kind !== 'BALANCE_INQUIRY') {
      profile.journal = appendJournal(profile.journal, journalEntryOf(result, panMasked ?? '-'));
      if (original !== undefined && result.kind.endsWith('VOID')) original.voided = true;
    }
    return { result, panMasked };
  } finally {
    rememberLastRequest(profile, session, options, panMasked, original);
  }
}

function rememberLastRequest(
  profile: TerminalProfile,
  session: TerminalSession,
  options: PosOptions,
  panMasked: string | undefined,
  original: JournalEntry | undefined,
): void {
  const sent = session.terminal.lastRequest;
  if (sent === undefined) return;
  const field60 = String(sent.fields.get(60) ?? '');
  const amount = sent.fields.get(4);
  profile.lastRequest = {
    kind: kindOfAction(options.action, original),
    stan: String(sent.fields.get(11)),
    batchNumber: field60.slice(2, 8),
    amountFen: typeof amount === 'string' ? BigInt(amount).toString() : '0',
    panMasked: panMasked ?? '-',
    entryMode: options.entryMode,
    withoutPin: options.withoutPin || options.card?.pin === undefined,
    originalStan: original?.stan,
  };
}

function kindOfAction(action: PosOptions['action'], original: JournalEntry | undefined): FinancialKind {
  if (action === 'void') {
    if (original?.kind === 'PREAUTH') return 'PREAUTH_VOID';
    return original?.kind === 'COMPLETION' ? 'COMPLETION_VOID' : 'VOID';
  }
  const kinds: Partial<Record<PosOptions['action'], FinancialKind>> = {
    balance: 'BALANCE_INQUIRY',
    purchase: 'PURCHASE',
    refund: 'REFUND',
    preauth: 'PREAUTH',
    completion: 'COMPLETION',
  };
  const kind = kinds[action];
  assert(kind !== undefined, 'every financial action has a kind');
  return kind;
}

/**
 * Reverses the last financial request (0400, same STAN, 39 = 98 no reply by default). The profile
 * keeps no card data, so the request is rebuilt from the card given again; the masked PAN must
 * match the one the original carried.
 */
export async function runReversal(
  options: PosOptions,
  profile: TerminalProfile,
  session: TerminalSession,
): Promise<ActionOutcome> {
  const pending = profile.lastRequest;
  if (pending === null) throw new PosRefusal('no earlier request to reverse');
  const scan = pending.entryMode === 'scan';
  const givenCard = scan ? NO_CARD : required(options.card, '--pan and --expiry of the card the original used');
  if (!scan && maskPan(givenCard.pan) !== pending.panMasked) {
    throw new PosRefusal(`the original used card ${pending.panMasked}, not ${maskPan(givenCard.pan)}`);
  }
  const card = pending.withoutPin ? givenCard : { ...givenCard, pin: REVERSAL_PLACEHOLDER_PIN };
  const original =
    pending.originalStan === undefined ? undefined : findJournalEntry(profile.journal, pending.originalStan);
  const terminal = session.terminal;
  const currentBatch = terminal.batchNumber;
  terminal.batchNumber = pending.batchNumber;
  const { request } = terminal.buildFinancial(
    pending.kind,
    card,
    BigInt(pending.amountFen) as Fen,
    original === undefined ? undefined : originalOf(original),
    { entryMode: pending.entryMode, withoutPin: pending.withoutPin },
  );
  terminal.batchNumber = currentBatch;
  request.fields.set(11, pending.stan);
  const result = await terminal.reverse(request);
  if (result.responseCode === '00') {
    profile.journal = profile.journal.filter(
      (entry) => !(entry.stan === pending.stan && entry.batchNumber === pending.batchNumber),
    );
    if (original !== undefined && pending.kind.endsWith('VOID')) original.voided = false;
    profile.lastRequest = null;
  }
  return { result, panMasked: scan ? undefined : pending.panMasked };
}
