// Goal: reconciliation finds every injected long, short and mismatched item, operators resolve them with ledger adjustments, chargebacks become charges, and statement totals equal the ledger; method: a day of transactions on real Postgres against a network-sim style clearing file.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { fen } from '@acq/money';
import { merchantAccountId } from '../src/domain/accounts.ts';
import { statementCsv, statementPeriodOf } from '../src/domain/statement.ts';
import { applyTransactionEvents } from '../src/flows/apply-transaction-events.ts';
import { buildMerchantStatement } from '../src/flows/build-statement.ts';
import { applyDisputeFile, reconcileClearingFile, resolveException } from '../src/flows/reconcile-clearing.ts';
import { readAccounts } from '../src/store/ledger-store.ts';
import { listExceptions } from '../src/store/reconciliation-store.ts';
import { createHarness, type Harness } from './support/harness.ts';

let harness: Harness;
before(async () => {
  harness = await createHarness('2026-03-02T02:00:00Z');
});
after(async () => {
  await harness.close();
});

const rrnOf = (txnId: string) => txnId.slice(-12).padStart(12, '0');

function clearingFile(merchantNumber: string, lines: Array<[string, 'D' | 'C', string, number]>): string {
  let debit = 0n;
  let credit = 0n;
  const details = lines.map(([type, direction, rrn, amount], index) => {
    if (direction === 'D') debit += BigInt(amount);
    else credit += BigInt(amount);
    return `D|${index + 1}|${type}|${direction}|T0000001|${merchantNumber}|000001|0302100000|${rrn}|123456|${amount}|621700*********0001|debit|`;
  });
  return [`H|CLEARING|20260302|48020000|${lines.length}`, ...details, `T|${lines.length}|${debit}|${credit}`, ''].join(
    '\n',
  );
}

test('reconciliation, exceptions, chargebacks and the statement of the day', async () => {
  const profile = harness.addMerchant('m_rec');
  const events = [
    harness.event('PURCHASE', 'txn_r1', 'm_rec', 10000),
    harness.event('PURCHASE', 'txn_r2', 'm_rec', 20000),
    harness.event('PURCHASE', 'txn_r3', 'm_rec', 5000),
    harness.event('PURCHASE', 'txn_r4', 'm_rec', 7000),
    harness.event('PURCHASE', 'txn_r6', 'm_rec', 3000),
  ];
  await applyTransactionEvents(harness.context, events);
  await applyTransactionEvents(harness.context, [
    harness.event('VOID', 'txn_r5', 'm_rec', 7000, { originalTxnId: 'txn_r4' }),
    harness.event('REVERSAL', 'txn_r7', 'm_rec', 3000, { originalTxnId: 'txn_r6' }),
  ]);
  const file = clearingFile(profile.merchantNumber, [
    ['PURCHASE', 'D', rrnOf('txn_r1'), 10000],
    ['PURCHASE', 'D', rrnOf('txn_r2'), 20001],
    ['PURCHASE', 'D', rrnOf('txn_r4'), 7000],
    ['VOID', 'C', rrnOf('txn_r5'), 7000],
    ['PURCHASE', 'D', '999999999999', 777],
  ]);
  const run = await reconcileClearingFile(harness.context, file);
  expect.deepEqual(
    [run.matchedCount, run.amountMismatchCount, run.platformOnlyCount, run.networkOnlyCount],
    [3, 1, 1, 1],
  );
  const open = await listExceptions(harness.pool, '2026-03-02', 'open');
  expect.deepEqual(
    open.map((item) => [item.category, item.rrn]),
    [
      ['amount_mismatch', rrnOf('txn_r2')],
      ['network_only', '999999999999'],
      ['platform_only', rrnOf('txn_r3')],
    ],
  );
  const mismatch = open[0];
  const networkOnly = open[1];
  if (mismatch === undefined || networkOnly === undefined) throw new Error('exceptions were queued');
  expect.equal(networkOnly.merchantId, 'm_rec', 'a network-only item is attributed by merchant number');
  await resolveException(harness.context, {
    exceptionId: mismatch.exceptionId,
    action: 'adjust',
    adjustmentFen: fen(1),
    operator: 'op1',
    note: 'network cleared 1 fen more',
  });
  await expect.rejects(
    resolveException(harness.context, {
      exceptionId: networkOnly.exceptionId,
      action: 'adjust',
      adjustmentFen: fen(0),
      operator: 'op1',
      note: 'x',
    }),
    /non-zero amount/,
  );
  await resolveException(harness.context, {
    exceptionId: networkOnly.exceptionId,
    action: 'accept',
    adjustmentFen: null,
    operator: 'op1',
    note: 'not ours',
  });
  const rerun = await reconcileClearingFile(harness.context, file);
  expect.equal(rerun.matchedCount, 3);
  expect.equal(
    (await listExceptions(harness.pool, '2026-03-02', 'open')).length,
    1,
    'resolved items stay resolved after a rerun',
  );
  // Captured 45,000 - void 7,000 - reversal 3,000 - network paid the matched net 10,000 + adjustment 1.
  const systemBalances = await harness.pool.query<{ kind: string; balance: bigint }>(
    `SELECT kind, sum(debits_posted - credits_posted)::bigint AS balance FROM accounts
     WHERE kind IN ('network_receivable', 'bank_cash') GROUP BY kind ORDER BY kind`,
  );
  expect.deepEqual(
    systemBalances.rows.map((row) => [row.kind, row.balance]),
    [
      ['bank_cash', 10000n],
      ['network_receivable', 25001n],
    ],
    'the network settlement is booked once, the adjustment moves the receivable',
  );
  await harness.checkInvariants();

  const disputes = [
    'H|DISPUTES|20260305|2',
    `D|dsp_1|CHARGEBACK|4837|T0000001|${profile.merchantNumber}|000001|0302100000|${rrnOf('txn_r1')}|123456|20260302|10000|10000`,
    `D|dsp_2|CHARGEBACK|4837|T0000001|${profile.merchantNumber}|000001|0302100000|888888888888|123456|20260302|500|500`,
    'T|2|10500',
  ].join('\n');
  expect.deepEqual(await applyDisputeFile(harness.context, disputes), {
    chargedCount: 1,
    unmatchedRrns: ['888888888888'],
  });
  expect.deepEqual(await applyDisputeFile(harness.context, disputes), {
    chargedCount: 0,
    unmatchedRrns: ['888888888888'],
  });
  await harness.checkInvariants();

  const period = statementPeriodOf('2026-03-02');
  if (period === undefined) throw new Error('valid period');
  const statement = await buildMerchantStatement(harness.pool, 'm_rec', period);
  expect.equal(statement.transactions.length, 7);
  expect.equal(statement.totals.transactionAmountFen, 45000n);
  // Fees: 60 + 120 + 30 + 42 (voided, returned) + 18 (reversed, returned).
  expect.equal(statement.totals.feeFen, 210n);
  expect.equal(statement.openingFen, 0n);
  const pendingId = merchantAccountId('m_rec', 'pending');
  const pending = (await readAccounts(harness.pool, [pendingId], 'no_lock')).get(pendingId)?.totals;
  const position = (pending?.creditsPosted ?? 0n) - (pending?.debitsPosted ?? 0n);
  expect.equal(statement.closingFen, position, 'the statement closes at the ledger balance');
  // 9940 + 19880 + 4970 - chargeback 10000 = 24790.
  expect.equal(statement.closingFen, 24790n);
  expect.equal(statement.totals.netFen, 34790n, 'transaction nets before the chargeback');
  const csv = statementCsv(statement);
  expect.match(csv, /^section,time,reference,kind/);
  expect.match(csv, /summary,,m_rec,closing_balance,,,,,,247\.90,2026-03-02/);
  expect.match(csv, /transaction,2026-03-02 10:00:00,txn_r5,VOID,T0000001,000000txn_r5,debit,70\.00,-0\.42,-69\.58,/);
  const month = statementPeriodOf('2026-03');
  if (month === undefined) throw new Error('valid month');
  expect.equal((await buildMerchantStatement(harness.pool, 'm_rec', month)).closingFen, 24790n);
  expect.equal(statementPeriodOf('2026-02-30'), undefined);
  expect.equal(statementPeriodOf('2026-13'), undefined);
});
