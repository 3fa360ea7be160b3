/**
 * Ledger invariants every scenario checks at its end: the postings sum to zero, every account equals
 * its transfers, guarded balances are not negative, every payout has exactly the postings its state
 * requires, the bank paid each payout at most once (and only the ones we booked), and each merchant's
 * arrears equal its open bills.
 */
import { strict as expect } from 'node:assert';
import type pg from 'pg';
import type { FakeBank } from './fake-bank.ts';

export async function checkLedgerInvariants(pool: pg.Pool, bank: FakeBank | undefined): Promise<void> {
  await checkAccountingInvariants(pool);
  await checkPayoutPostings(pool);
  if (bank !== undefined) await checkBankPaidOnce(pool, bank);
  await checkArrearsEqualBills(pool);
}

/** The ledger alone: zero sum, accounts equal transfers, guarded accounts not negative. */
export async function checkAccountingInvariants(pool: pg.Pool): Promise<void> {
  const sums = await pool.query<{ posted: bigint; pending: bigint }>(
    `SELECT COALESCE(sum(debits_posted) - sum(credits_posted), 0)::bigint AS posted,
            COALESCE(sum(debits_pending) - sum(credits_pending), 0)::bigint AS pending FROM accounts`,
  );
  expect.equal(sums.rows[0]?.posted, 0n, 'posted debits equal posted credits');
  expect.equal(sums.rows[0]?.pending, 0n, 'pending debits equal pending credits');
  await checkAccountsEqualTransfers(pool);
  const negative = await pool.query(
    `SELECT id FROM accounts WHERE must_not_go_negative AND (
       (normal_side = 'credit' AND credits_posted - debits_posted - debits_pending < 0) OR
       (normal_side = 'debit' AND debits_posted - credits_posted - credits_pending < 0))`,
  );
  expect.deepEqual(negative.rows, [], 'guarded accounts are not negative');
}

async function checkAccountsEqualTransfers(pool: pg.Pool): Promise<void> {
  const mismatched = await pool.query(
    `WITH open_holds AS (
       SELECT h.* FROM transfers h WHERE h.flags = 'pending' AND NOT EXISTS (SELECT 1 FROM transfers r WHERE r.pending_id = h.id)
     ), effects AS (
       SELECT debit_account_id AS id, amount_fen AS dp, 0::bigint AS cp, 0::bigint AS dh, 0::bigint AS ch FROM transfers WHERE flags IN ('posted', 'post_pending')
       UNION ALL SELECT credit_account_id, 0, amount_fen, 0, 0 FROM transfers WHERE flags IN ('posted', 'post_pending')
       UNION ALL SELECT debit_account_id, 0, 0, amount_fen, 0 FROM open_holds
       UNION ALL SELECT credit_account_id, 0, 0, 0, amount_fen FROM open_holds
     ), totals AS (
       SELECT id, sum(dp) AS dp, sum(cp) AS cp, sum(dh) AS dh, sum(ch) AS ch FROM effects GROUP BY id
     )
     SELECT a.id FROM accounts a LEFT JOIN totals t ON t.id = a.id
     WHERE a.debits_posted <> COALESCE(t.dp, 0) OR a.credits_posted <> COALESCE(t.cp, 0)
        OR a.debits_pending <> COALESCE(t.dh, 0) OR a.credits_pending <> COALESCE(t.ch, 0)`,
  );
  expect.deepEqual(mismatched.rows, [], 'every account balance equals its postings');
}

async function checkPayoutPostings(pool: pg.Pool): Promise<void> {
  const rows = await pool.query<{ payout_id: string; state: string; problem: string }>(
    `SELECT p.payout_id, p.state,
       CASE
         WHEN p.state = 'succeeded' AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.reference = p.payout_id AND t.code = 'payout_sent' AND t.amount_fen = p.amount_fen) THEN 'missing payout_sent'
         WHEN p.state = 'succeeded' AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.pending_id = p.hold_transfer_id AND t.flags = 'post_pending') THEN 'hold not completed'
         WHEN p.state = 'failed' AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.pending_id = p.hold_transfer_id AND t.flags = 'void_pending') THEN 'hold not released'
         WHEN p.state = 'failed' AND EXISTS (SELECT 1 FROM transfers t WHERE t.reference = p.payout_id AND t.code = 'payout_sent') THEN 'failed but sent'
         WHEN p.state NOT IN ('succeeded', 'failed') AND EXISTS (SELECT 1 FROM transfers t WHERE t.pending_id = p.hold_transfer_id) THEN 'in flight but resolved'
         WHEN NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = p.hold_transfer_id AND t.amount_fen = p.gross_fen) THEN 'missing hold'
         ELSE 'ok' END AS problem
     FROM payouts p`,
  );
  const problems = rows.rows.filter((row) => row.problem !== 'ok');
  expect.deepEqual(problems, [], 'every payout has the postings of its state');
  const sentWithoutPayout = await pool.query(
    `SELECT t.reference FROM transfers t WHERE t.code = 'payout_sent' AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.payout_id = t.reference AND p.state = 'succeeded')`,
  );
  expect.deepEqual(sentWithoutPayout.rows, [], 'no money leaves without a succeeded payout');
}

async function checkBankPaidOnce(pool: pg.Pool, bank: FakeBank): Promise<void> {
  const payouts = await pool.query<{ payout_id: string; state: string; amount_fen: bigint }>(
    'SELECT payout_id, state, amount_fen FROM payouts',
  );
  const byId = new Map(payouts.rows.map((row) => [row.payout_id, row]));
  for (const [payoutId, paid] of bank.paidByPayout()) {
    expect.equal(paid.count, 1, `bank paid ${payoutId} exactly once`);
    const payout = byId.get(payoutId);
    expect.ok(payout !== undefined, `bank paid a payout we know (${payoutId})`);
    expect.equal(paid.amountFen, payout.amount_fen, `bank paid the booked amount of ${payoutId}`);
    expect.notEqual(payout.state, 'failed', `a paid payout ${payoutId} is never released`);
  }
  for (const payout of payouts.rows) {
    if (payout.state === 'succeeded')
      expect.ok(bank.paidByPayout().has(payout.payout_id), `${payout.payout_id} was paid by the bank`);
  }
}

async function checkArrearsEqualBills(pool: pg.Pool): Promise<void> {
  const rows = await pool.query(
    `SELECT a.merchant_id FROM accounts a
     LEFT JOIN (SELECT merchant_id, sum(amount_fen - repaid_fen) AS owed FROM bills WHERE state = 'open' GROUP BY merchant_id) b
       ON b.merchant_id = a.merchant_id
     WHERE a.kind = 'arrears' AND a.debits_posted - a.credits_posted <> COALESCE(b.owed, 0)`,
  );
  expect.deepEqual(rows.rows, [], 'arrears equal the open bills');
}
