// Goal: payouts and repayment debits work against the real network-sim bank API (async results, in-doubt answers, insufficient funds) and pay each payout once; method: network-sim started as a child process on free ports, settlement flows with the HTTP bank client, the bank's own transfer records checked.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fen } from '@acq/money';
import { type NetworkSimProcess, startNetworkSim } from '@acq/testkit';
import { createAccountNumberCipher } from '../src/clients/account-number-cipher.ts';
import { NetworkSimBankClient } from '../src/clients/network-sim-bank-client.ts';
import { advanceDuePayouts } from '../src/flows/advance-payouts.ts';
import { applyTransactionEvents } from '../src/flows/apply-transaction-events.ts';
import { repayBill } from '../src/flows/repay-bill.ts';
import type { SettlementContext } from '../src/flows/settlement-context.ts';
import { t0PayoutIdFor } from '../src/flows/start-t0-payouts.ts';
import { billIdFor } from '../src/store/bill-store.ts';
import { readPayout } from '../src/store/payout-store.ts';
import { checkLedgerInvariants } from './support/ledger-invariants.ts';
import { createHarness, type Harness } from './support/harness.ts';

const cipher = createAccountNumberCipher(Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex'));

let harness: Harness;
let simulator: NetworkSimProcess;
let context: SettlementContext;

async function simulatorCall(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const init: RequestInit = { method, signal: AbortSignal.timeout(5_000) };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${simulator.httpUrl}${path}`, init);
  const text = await response.text();
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

async function createCard(balanceFen: number): Promise<string> {
  const card = await simulatorCall('POST', '/cards', {
    pin: '123456',
    expiry: '3012',
    kind: 'debit',
    balanceFen: String(balanceFen),
  });
  return String(card.pan);
}

/** Drives the payout worker in real time (network-sim completes payouts asynchronously). */
async function settlePayouts(): Promise<void> {
  for (let pass = 0; pass < 200; pass += 1) {
    await advanceDuePayouts(context);
    const open = await harness.pool.query(
      `SELECT 1 FROM payouts WHERE state IN ('created', 'submitting', 'submitted', 'retry_wait')`,
    );
    if (open.rowCount === 0) return;
    await sleep(50);
    harness.clock.advance(1_000);
  }
  throw new Error('payouts did not settle');
}

before(async () => {
  simulator = await startNetworkSim();
  harness = await createHarness(new Date().toISOString());
  context = {
    ...harness.context,
    bank: new NetworkSimBankClient({
      baseUrl: simulator.httpUrl,
      timeoutMs: 1_000,
      revealAccountNumber: (sealed) => cipher.open(sealed),
      walletMerchantId: 'acquirer-platform',
    }),
  };
});
after(async () => {
  await simulator.stop();
  await harness.close();
});

async function payoutsReceived(
  accountNumber: string,
): Promise<Array<{ requestId: string; amountFen: string; status: string; kind: string }>> {
  const result = await simulatorCall('GET', `/bank/transfers?account=${accountNumber}`);
  return (result.transfers as Array<{ requestId: string; amountFen: string; status: string; kind: string }>).filter(
    (transfer) => transfer.kind === 'payout',
  );
}

test('T0 payouts reach the card once, also when the bank answers in doubt', async () => {
  const pan = await createCard(0);
  harness.addMerchant('m_ns1', { t0Enabled: true });
  harness.cards.set('m_ns1', {
    cardToken: 'tok_ns1',
    accountNumberEncrypted: cipher.seal(pan),
    holderName: 'Holder',
    bankCode: '0102',
    cardVersion: 1n,
  });
  await applyTransactionEvents(context, [harness.event('PURCHASE', 'txn_ns1', 'm_ns1', 10000)]);
  await settlePayouts();
  await simulatorCall('PUT', '/bank/faults', { unknownRate: 1, unknownDurationMs: 300 });
  await applyTransactionEvents(context, [harness.event('PURCHASE', 'txn_ns2', 'm_ns1', 20000)]);
  await settlePayouts();
  await simulatorCall('DELETE', '/bank/faults');
  for (const txnId of ['txn_ns1', 'txn_ns2'])
    expect.equal((await readPayout(harness.pool, t0PayoutIdFor(txnId), 'no_lock'))?.state, 'succeeded');
  const received = await payoutsReceived(pan);
  expect.deepEqual(received.map((transfer) => [transfer.requestId, transfer.amountFen, transfer.status]).sort(), [
    [`${t0PayoutIdFor('txn_ns1')}.1`, '9740', 'SUCCESS'],
    [`${t0PayoutIdFor('txn_ns2')}.1`, '19680', 'SUCCESS'],
  ]);
  await checkLedgerInvariants(harness.pool, undefined);
});

test('a repayment debit beyond the card balance fails with INSUFFICIENT_FUNDS; a smaller one succeeds', async () => {
  await applyTransactionEvents(context, [
    harness.event('VOID', 'txn_ns1v', 'm_ns1', 10000, { originalTxnId: 'txn_ns1' }),
  ]);
  const billId = billIdFor('void_shortfall', 'txn_ns1v');
  const payerPan = await createCard(3000);
  const payer = { method: 'bank_card', accountNumberEncrypted: cipher.seal(payerPan), holderName: 'Holder' } as const;
  const refused = await repayBill(context, {
    merchantId: 'm_ns1',
    billId,
    method: 'bank_card',
    amountFen: fen(5000),
    idempotencyKey: 'ns-r1',
    payer,
  });
  expect.equal(refused.state, 'failed');
  expect.equal(refused.failureCode, 'INSUFFICIENT_FUNDS');
  const paid = await repayBill(context, {
    merchantId: 'm_ns1',
    billId,
    method: 'bank_card',
    amountFen: fen(3000),
    idempotencyKey: 'ns-r2',
    payer,
  });
  expect.equal(paid.state, 'succeeded');
  const card = await simulatorCall('GET', `/cards/${payerPan}`);
  expect.equal(card.balanceFen, '0');
  await checkLedgerInvariants(harness.pool, undefined);
});
