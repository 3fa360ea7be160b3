/**
 * A settlement payout worker in its own OS process, for the crash test: it pays due payouts through
 * the HTTP bank client until none is open, then exits 0. The test kills it with SIGKILL mid-batch.
 * Env: DATABASE_URL, SETTLEMENT_TEST_SCHEMA, BANK_URL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from '@acq/db';
import { NetworkSimBankClient } from '../../src/clients/network-sim-bank-client.ts';
import { advanceDuePayouts } from '../../src/flows/advance-payouts.ts';
import { loadBusinessCalendar, readCalendarData } from '../../src/store/calendar-store.ts';

const schema = process.env.SETTLEMENT_TEST_SCHEMA ?? '';
const pool = createPool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  schema,
  applicationName: 'settlement-crash-test-worker',
  poolSizeMax: 4,
  statementTimeoutMs: 5_000,
});
const calendar = await loadBusinessCalendar(pool, await readCalendarData());
const bank = new NetworkSimBankClient({
  baseUrl: process.env.BANK_URL ?? '',
  timeoutMs: 500,
  revealAccountNumber: (encrypted) => encrypted,
  walletMerchantId: 'platform',
});
const context = {
  pool,
  calendar: () => calendar,
  cutoffMinuteOfDay: 23 * 60,
  merchants: { merchantProfile: async () => undefined },
  cards: {
    activeCard: async (merchantId: string) => ({
      cardToken: `tok_${merchantId}`,
      accountNumberEncrypted: `enc_${merchantId}`,
      holderName: `Holder ${merchantId}`,
      bankCode: '0102',
      cardVersion: 1n,
    }),
  },
  bank,
  clock: { nowMs: () => Date.now() },
};
const OPTIONS = { claimLeaseMs: 2_000, batchSizeMax: 20 };
for (let pass = 0; pass < 10_000; pass += 1) {
  let advanced = 0;
  try {
    advanced = await advanceDuePayouts(context, OPTIONS);
  } catch (error) {
    // A failed step leaves its lease to expire; the worker keeps going like the service loop does.
    console.error('payout pass failed', error);
  }
  const open = await pool.query(
    `SELECT 1 FROM payouts WHERE state IN ('created', 'submitting', 'submitted', 'retry_wait') LIMIT 1`,
  );
  if (open.rowCount === 0) break;
  if (advanced === 0) await sleep(100);
}
await pool.end();
