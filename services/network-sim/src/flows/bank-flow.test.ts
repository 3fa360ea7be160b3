// Goal: the bank rails pay once per payout id whatever the faults, and debits refuse what the card
// cannot cover. Method: BankFlow with a manual clock and scripted randomness over stored cards.
import { strict as expect } from 'node:assert';
import { beforeEach, test } from 'node:test';
import { type Fen, fen } from '@acq/money';
import { buildTestSimulator, type ScriptedRandom } from '../../test/fixture.ts';
import type { Card } from '../domain/card.ts';
import type { ManualClock } from '../domain/clock.ts';
import type { NetworkSimulator } from '../simulator.ts';

let simulator: NetworkSimulator;
let clock: ManualClock;
let random: ScriptedRandom;
let card: Card;

beforeEach(() => {
  ({ simulator, clock, random } = buildTestSimulator());
  const created = simulator.cardAdmin.create({
    pan: undefined,
    pin: '123456',
    expiry: '3012',
    kind: 'debit',
    balanceFen: fen(1_000n),
    status: 'active',
    singleLimitFen: undefined,
    holder: { holderName: '周九', idNumber: undefined, phone: undefined, bankName: undefined },
  });
  if (!created.ok) throw new Error('card');
  card = created.card;
});

function payout(payoutId: string, amountFen: bigint) {
  return simulator.bank.submitPayout({
    requestId: payoutId,
    accountNumber: card.pan,
    accountName: '周九',
    amountFen: amountFen as Fen,
  });
}

test('a payout resubmitted while UNKNOWN and after success pays exactly once', () => {
  simulator.bank.faults = { ...simulator.bank.faults, unknownRate: 1, unknownDurationMs: 5_000 };
  expect.equal(payout('p1', 300n).ok, true);
  expect.equal(simulator.bank.payout('p1')?.status, 'UNKNOWN');
  payout('p1', 300n);
  clock.advance(5_000);
  expect.equal(simulator.bank.payout('p1')?.status, 'SUCCESS');
  payout('p1', 300n);
  clock.advance(5_000);
  simulator.bank.sweep();
  expect.equal(card.balanceFen, 1_300n);
  expect.equal(simulator.bank.transfersOf(card.pan).length, 1);
});

test('an injected failure ends FAILED BANK_REJECTED and credits nothing; zero amounts are refused', () => {
  simulator.bank.faults = { ...simulator.bank.faults, failureRate: 0.5 };
  random.push(0.5, 0.1);
  payout('p2', 300n);
  clock.advance(100);
  expect.equal(simulator.bank.payout('p2')?.failureCode, 'BANK_REJECTED');
  expect.equal(card.balanceFen, 1_000n);
  expect.deepEqual(payout('p3', 0n), { ok: false, errorCode: 'INVALID_AMOUNT' });
});

test('debits respect holds and answer INSUFFICIENT_FUNDS at available + 1', () => {
  card.holdsFen = 200n as Fen;
  const debit = (id: string, amountFen: bigint) =>
    simulator.bank.debit({ requestId: id, accountNumber: card.pan, accountName: '周九', amountFen: amountFen as Fen });
  const refused = debit('d1', 801n);
  expect.equal(refused.ok && refused.transfer.failureCode, 'INSUFFICIENT_FUNDS');
  const taken = debit('d2', 800n);
  expect.equal(taken.ok && taken.transfer.status, 'SUCCESS');
  expect.equal(card.balanceFen, 200n);
  expect.deepEqual(debit('d2', 700n), { ok: false, errorCode: 'REQUEST_ID_CONFLICT' });
  card.status = 'lost';
  const frozen = debit('d3', 1n);
  expect.equal(frozen.ok && frozen.transfer.failureCode, 'ACCOUNT_FROZEN');
});
