// Goal: the terminal profile's journal gives the right originals, batch totals and field 48, and
// `acq pos` options are validated. Method: pure functions on hand-built journals and argument lists.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import type { FinancialKind } from '@acq/terminal-protocol';
import { CliUsageError } from '../../command.ts';
import { parseAmountFen, parseCard, parsePosOptions } from './pos-options.ts';
import {
  appendJournal,
  batchTotals,
  findJournalEntry,
  type JournalEntry,
  PosRefusal,
  PROFILE_JOURNAL_ENTRIES_MAX,
} from './pos-profile.ts';
import { settlementField48 } from './pos-settlement.ts';

function entry(kind: FinancialKind, stan: string, amountFen: string, flags: Partial<JournalEntry> = {}): JournalEntry {
  return {
    kind,
    stan,
    batchNumber: '000001',
    rrn: `1122000000${stan.slice(-2)}`,
    authCode: '123456',
    dateMmdd: '1122',
    amountFen,
    panMasked: '621700****0087',
    settled: false,
    voided: false,
    ...flags,
  };
}

test('batch totals: purchases and completions debit, refunds credit, voided and settled entries do not count', () => {
  const journal = [
    entry('PURCHASE', '000002', '1234'),
    entry('COMPLETION', '000003', '2500'),
    entry('REFUND', '000004', '1000'),
    entry('PURCHASE', '000005', '9999', { voided: true }),
    entry('VOID', '000006', '9999'),
    entry('PURCHASE', '000007', '5000', { settled: true }),
    entry('PREAUTH', '000008', '3000'),
  ];
  expect.deepEqual(batchTotals(journal), { debitFen: 3734n, debitCount: 2, creditFen: 1000n, creditCount: 1 });
  expect.equal(settlementField48(journal), `000000003734002000000001000001${'0'}${'0'.repeat(31)}`);
  expect.equal(settlementField48([]), '0'.repeat(62));
});

test('the journal finds the newest entry with a STAN and refuses an unknown one', () => {
  const journal = [entry('PURCHASE', '000009', '1', { batchNumber: '000001' }), entry('PURCHASE', '000009', '2')];
  expect.equal(findJournalEntry(journal, '9').amountFen, '2');
  expect.throws(() => findJournalEntry(journal, '000010'), PosRefusal);
});

test('the journal keeps its cap by dropping settled entries first, then the oldest', () => {
  let journal: JournalEntry[] = [entry('PURCHASE', '000001', '1', { settled: true })];
  for (let index = 2; index <= PROFILE_JOURNAL_ENTRIES_MAX + 1; index++) {
    journal = appendJournal(journal, entry('PURCHASE', String(index).padStart(6, '0'), '1'));
  }
  expect.equal(journal.length, PROFILE_JOURNAL_ENTRIES_MAX);
  expect.equal(
    journal.some((candidate) => candidate.settled),
    false,
  );
  expect.equal(journal[0]?.stan, '000002');
  journal = appendJournal(journal, entry('PURCHASE', '999999', '1'));
  expect.equal(journal.length, PROFILE_JOURNAL_ENTRIES_MAX);
  expect.equal(journal[0]?.stan, '000003');
});

test('card options: PAN 12-19 digits, expiry YYMM, PIN 4-12 digits', () => {
  expect.deepEqual(parseCard('6217000000000000087', '3012', '123456'), {
    pan: '6217000000000000087',
    expiryYymm: '3012',
    pin: '123456',
  });
  expect.deepEqual(parseCard('621700000000', '3001', undefined), { pan: '621700000000', expiryYymm: '3001' });
  expect.equal(parseCard(undefined, undefined, undefined), undefined);
  expect.throws(() => parseCard('62170000000', '3012', undefined), CliUsageError);
  expect.throws(() => parseCard('62170000000000000870', '3012', undefined), CliUsageError);
  expect.throws(() => parseCard('6217000000000000087', '3013', undefined), CliUsageError);
  expect.throws(() => parseCard('6217000000000000087', undefined, undefined), CliUsageError);
  expect.throws(() => parseCard('6217000000000000087', '3012', '123'), CliUsageError);
});

test('amounts are whole fen from 1 to twelve digits', () => {
  expect.equal(parseAmountFen('1'), 1n);
  expect.equal(parseAmountFen('999999999999'), 999_999_999_999n);
  expect.equal(parseAmountFen(undefined), undefined);
  for (const bad of ['0', '12.34', '-5', '1000000000000', '1e3'])
    expect.throws(() => parseAmountFen(bad), CliUsageError);
});

test('pos options: action first, defaults, STAN padding, entry modes and refusals', () => {
  const options = parsePosOptions(['void', '--stan', '8', '--pan', '6217000000000000087', '--expiry', '3012']);
  expect.equal(options.action, 'void');
  expect.equal(options.originalStan, '000008');
  expect.equal(options.host, '127.0.0.1');
  expect.equal(options.port, 8583);
  expect.equal(options.replyTimeoutMs, 60_000);
  expect.equal(options.entryMode, 'chip');
  expect.equal(parsePosOptions(['purchase', '--entry', 'scan', '--scan-code', '134567']).entryMode, 'scan');
  expect.throws(() => parsePosOptions([]), /give an action/);
  expect.throws(() => parsePosOptions(['withdraw']), /give an action/);
  expect.throws(() => parsePosOptions(['purchase', 'extra']), /unexpected argument/);
  expect.throws(() => parsePosOptions(['purchase', '--entry', 'swipe']), CliUsageError);
  expect.throws(() => parsePosOptions(['void', '--stan', '1234567']), CliUsageError);
  expect.throws(() => parsePosOptions(['echo', '--timeout', '61s']), CliUsageError);
});
