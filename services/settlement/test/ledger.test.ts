// Goal: the SQL ledger keeps TigerBeetle semantics (idempotent ids, body conflicts refused, holds resolved once, guarded balances, system accounts deferrable to the end of a transaction); method: transfers against a real Postgres schema, invariants after each case.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { withTransaction } from '@acq/db';
import { fen } from '@acq/money';
import { merchantAccountId, systemAccountId, transferIdFor } from '../src/domain/accounts.ts';
import {
  capturePostings,
  payoutHoldPosting,
  payoutReleasePosting,
  payoutSuccessPostings,
} from '../src/domain/posting-rules.ts';
import { applyTransfers, deferSystemAccountUpdates, LedgerError, readAccounts } from '../src/store/ledger-store.ts';
import { createHarness, type Harness } from './support/harness.ts';
import { checkAccountingInvariants } from './support/ledger-invariants.ts';

let harness: Harness;
before(async () => {
  harness = await createHarness();
});
after(async () => {
  await harness.close();
});

const apply = (transfers: Parameters<typeof applyTransfers>[1]) =>
  withTransaction(harness.pool, (client) => applyTransfers(client, transfers, Date.now()));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof LedgerError) return error.code;
    throw error;
  }
}

test('a replay with the same id and body is a no-op; a different body is refused', async () => {
  const capture = capturePostings({
    txnId: 'txn_l1',
    merchantId: 'm_l1',
    amountFen: fen(10000),
    feeFen: fen(60),
    destination: 'available',
  });
  expect.deepEqual(await apply(capture), { createdCount: 2, replayedCount: 0 });
  expect.deepEqual(await apply(capture), { createdCount: 0, replayedCount: 2 });
  const [first] = capture;
  if (first === undefined) throw new Error('capture has legs');
  expect.equal(await codeOf(apply([{ ...first, amountFen: fen(9941) }])), 'TRANSFER_ID_REUSED');
  const balances = await readAccounts(harness.pool, [merchantAccountId('m_l1', 'available')], 'no_lock');
  expect.equal(balances.get(merchantAccountId('m_l1', 'available'))?.totals.creditsPosted, 9940n);
  await checkAccountingInvariants(harness.pool);
});

test('guarded merchant accounts refuse to go negative, holds included', async () => {
  const hold = payoutHoldPosting('po_l2', 'm_l1', fen(9940));
  await apply([hold]);
  expect.equal(await codeOf(apply([payoutHoldPosting('po_l3', 'm_l1', fen(1))])), 'INSUFFICIENT_FUNDS');
  await checkAccountingInvariants(harness.pool);
});

test('a hold is resolved exactly once and a post may not exceed it', async () => {
  const hold = payoutHoldPosting('po_l2', 'm_l1', fen(9940));
  const success = payoutSuccessPostings(hold, fen(9740), fen(200));
  const [completion] = success;
  if (completion === undefined) throw new Error('success has a completion');
  expect.equal(
    await codeOf(apply([{ ...completion, id: transferIdFor('too-much'), amountFen: fen(9941) }])),
    'HOLD_MISMATCH',
  );
  await apply(success);
  expect.equal(await codeOf(apply([payoutReleasePosting(hold)])), 'HOLD_ALREADY_RESOLVED');
  const payable = merchantAccountId('m_l1', 'payable');
  const available = merchantAccountId('m_l1', 'available');
  const balances = await readAccounts(harness.pool, [payable, available], 'no_lock');
  expect.deepEqual(balances.get(payable)?.totals, {
    debitsPosted: 9940n,
    creditsPosted: 9940n,
    debitsPending: 0n,
    creditsPending: 0n,
  });
  expect.equal(balances.get(available)?.totals.debitsPending, 0n);
  await checkAccountingInvariants(harness.pool);
});

test('unknown accounts and missing holds are refused; transfers cannot be edited', async () => {
  const base = capturePostings({
    txnId: 'txn_l4',
    merchantId: 'm_l4',
    amountFen: fen(100),
    feeFen: fen(0),
    destination: 'pending',
  })[0];
  if (base === undefined) throw new Error('capture has a leg');
  expect.equal(await codeOf(apply([{ ...base, creditAccountId: 'mch:m_l4:savings' }])), 'UNKNOWN_ACCOUNT');
  const orphan = payoutReleasePosting(payoutHoldPosting('po_never', 'm_l4', fen(5)));
  expect.equal(await codeOf(apply([orphan])), 'HOLD_NOT_FOUND');
  await apply([base]);
  await expect.rejects(harness.pool.query('UPDATE transfers SET amount_fen = 1 WHERE id = $1', [base.id]), /immutable/);
  await expect.rejects(harness.pool.query('DELETE FROM transfers WHERE id = $1', [base.id]), /immutable/);
  expect.equal(systemAccountId('fee_income', 'm_l4'), systemAccountId('fee_income', 'm_l4'));
  await checkAccountingInvariants(harness.pool);
});

test('deferred system accounts: merchant accounts move at once, system accounts in one update at the end', async () => {
  const capture = (txnId: string) =>
    capturePostings({ txnId, merchantId: 'm_l9', amountFen: fen(10000), feeFen: fen(60), destination: 'available' });
  const receivable = systemAccountId('network_receivable', 'm_l9');
  const available = merchantAccountId('m_l9', 'available');
  const before = (await readAccounts(harness.pool, [receivable], 'no_lock')).get(receivable)?.totals.debitsPosted ?? 0n;
  await withTransaction(harness.pool, (client) =>
    deferSystemAccountUpdates(client, async () => {
      await applyTransfers(client, capture('txn_l9a'), Date.now());
      await applyTransfers(client, capture('txn_l9b'), Date.now());
      const merchant = (await readAccounts(client, [available], 'lock')).get(available);
      expect.equal(merchant?.totals.creditsPosted, 19880n, 'guarded accounts are up to date inside the scope');
      const inside = await client.query<{ debits_posted: bigint }>('SELECT debits_posted FROM accounts WHERE id = $1', [
        receivable,
      ]);
      expect.equal(inside.rows[0]?.debits_posted ?? 0n, before, 'the system account waits for the end of the scope');
      await expect.rejects(readAccounts(client, [receivable], 'no_lock'), { code: 'ASSERTION_FAILED' });
    }),
  );
  const after = (await readAccounts(harness.pool, [receivable], 'no_lock')).get(receivable)?.totals.debitsPosted;
  expect.equal(after, before + 20000n);
  await checkAccountingInvariants(harness.pool);
});
