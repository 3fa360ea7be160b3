// Goal: a merchant onboarded over HTTP gets a terminal that signs in over TCP and runs every
// transaction type against the real platform, with the card network (network-sim) moving the
// money; declines, MAC failures, unknown terminals, duplicates and lost responses behave as
// DESIGN.md section 4 says. Method: all services as separate processes on a fresh database,
// driven by the terminal simulator; balances read back from network-sim.
import { after, before, test } from 'node:test';
import { strict as expect } from 'node:assert';
import { fen } from '@acq/money';
import { TerminalConnection, TerminalSimulator } from '@acq/terminal-protocol';
import {
  cardBalanceFen,
  createCard,
  onboardMerchantWithTerminal,
  type OnboardedTerminal,
  type PlatformUnderTest,
  startPlatformUnderTest,
} from '../src/index.ts';

let platform: PlatformUnderTest;
let onboarded: OnboardedTerminal;
let connection: TerminalConnection;
let terminal: TerminalSimulator;

before(async () => {
  platform = await startPlatformUnderTest();
  onboarded = await onboardMerchantWithTerminal(1);
  connection = await TerminalConnection.open('127.0.0.1', 8583);
  terminal = new TerminalSimulator(
    connection,
    { terminalId: onboarded.terminalId, merchantNumber: onboarded.merchantNumber, tmkHex: onboarded.tmkHex },
    { timeoutMs: 20_000 },
  );
});

after(async () => {
  connection?.close();
  await platform?.stop();
});

test('sign-in, purchase, balance inquiry and void move the card balance exactly', async () => {
  expect.equal((await terminal.signIn('003')).responseCode, '00');
  const card = await createCard({ balanceFen: 100_000 });
  const purchase = await terminal.purchase(card, fen(12_345));
  expect.equal(purchase.responseCode, '00');
  expect.equal(purchase.macValid, true);
  expect.equal(purchase.authCode.length, 6);
  expect.equal(purchase.response.fields.get(42), onboarded.merchantNumber);
  expect.equal(await cardBalanceFen(card.pan), 100_000n - 12_345n);
  const balance = await terminal.balance(card);
  expect.equal(balance.responseCode, '00');
  expect.equal(balance.balanceFen, 100_000n - 12_345n);
  const voided = await terminal.void(purchase, card);
  expect.equal(voided.responseCode, '00');
  expect.equal(await cardBalanceFen(card.pan), 100_000n);
});

test('issuer declines reach the terminal: insufficient funds, wrong PIN, expired card', async () => {
  const poor = await createCard({ balanceFen: 500 });
  expect.equal((await terminal.purchase(poor, fen(501))).responseCode, '51');
  expect.equal(await cardBalanceFen(poor.pan), 500n);
  const wrongPin = await terminal.purchase({ ...poor, pin: '000000' }, fen(100));
  expect.equal(wrongPin.responseCode, '55');
  const expired = await createCard({ balanceFen: 10_000, expiry: '2001' });
  expect.equal((await terminal.purchase(expired, fen(100))).responseCode, '54');
});

test('a retransmitted purchase never charges twice', async () => {
  const card = await createCard({ balanceFen: 50_000 });
  const { request, stan } = terminal.buildFinancial('PURCHASE', card, fen(1_000), undefined, {});
  const bytes = terminal.encode(request);
  const first = await connection.exchange(bytes, stan, 20_000);
  const second = await connection.exchange(bytes, stan, 20_000);
  expect.equal(first.message.fields.get(39), '00');
  expect.ok(['00', '94'].includes(String(second.message.fields.get(39))), 'stored answer or 94');
  expect.equal(await cardBalanceFen(card.pan), 49_000n);
});

test('a reversal after a lost response restores the balance, and repeating it is harmless', async () => {
  const card = await createCard({ balanceFen: 30_000 });
  const purchase = await terminal.purchase(card, fen(7_000));
  expect.equal(purchase.responseCode, '00');
  const reversal = await terminal.reverse(purchase.request);
  expect.equal(reversal.responseCode, '00');
  const again = await terminal.reverse(purchase.request);
  expect.ok(['00', '25'].includes(again.responseCode));
  // The upstream reversal travels through the store-and-forward queue: the balance comes back shortly.
  expect.equal(
    await eventually(
      () => cardBalanceFen(card.pan),
      (balance) => balance === 30_000n,
    ),
    30_000n,
  );
});

test('refund (partial, cumulative not above the original) and pre-auth with completion', async () => {
  const card = await createCard({ balanceFen: 80_000, kind: 'credit' });
  const purchase = await terminal.purchase(card, fen(10_000));
  expect.equal(purchase.responseCode, '00');
  expect.equal((await terminal.refund(purchase, card, fen(4_000))).responseCode, '00');
  expect.notEqual((await terminal.refund(purchase, card, fen(6_001))).responseCode, '00');
  expect.equal((await terminal.refund(purchase, card, fen(6_000))).responseCode, '00');
  const preauth = await terminal.preauth(card, fen(20_000));
  expect.equal(preauth.responseCode, '00');
  const completion = await terminal.completion(preauth, card, fen(18_000));
  expect.equal(completion.responseCode, '00');
});

test('pre-auth void and completion void; a terminal that has not signed in gets A0', async () => {
  const card = await createCard({ balanceFen: 90_000, kind: 'credit' });
  const preauth = await terminal.preauth(card, fen(30_000));
  expect.equal(preauth.responseCode, '00');
  const preauthVoid = await terminal.void(preauth, card);
  expect.equal(preauthVoid.responseCode, '00');
  const second = await terminal.preauth(card, fen(10_000));
  const completion = await terminal.completion(second, card, fen(9_000));
  expect.equal(completion.responseCode, '00');
  const completionVoid = await terminal.void(completion, card);
  expect.equal(completionVoid.responseCode, '00');
  const fresh = await onboardMerchantWithTerminal(3);
  const notSignedIn = new TerminalSimulator(connection, {
    terminalId: fresh.terminalId,
    merchantNumber: fresh.merchantNumber,
    tmkHex: fresh.tmkHex,
  });
  const refused = await notSignedIn.purchase({ pan: card.pan, expiryYymm: card.expiryYymm }, fen(100));
  expect.equal(refused.responseCode, 'A0');
  expect.equal(refused.processingRequirement, 3);
});

test('an unknown terminal gets 97 and a wrong MAC gets A0', async () => {
  const stranger = new TerminalSimulator(connection, {
    terminalId: 'ZZ999999',
    merchantNumber: '000000000000000',
    tmkHex: '11'.repeat(16),
  });
  expect.equal((await stranger.signIn()).responseCode, '97');
  const card = await createCard({ balanceFen: 10_000 });
  const { request, stan } = terminal.buildFinancial('PURCHASE', card, fen(100), undefined, {});
  const bytes = terminal.encode(request);
  bytes[bytes.length - 2] = (bytes[bytes.length - 2] as number) ^ 0x01;
  const reply = await connection.exchange(bytes, stan, 20_000);
  expect.equal(reply.message.fields.get(39), 'A0');
  expect.equal(await cardBalanceFen(card.pan), 10_000n);
});

test('batch settlement: matching totals answer 1, a terminal that lost a record answers 2', async () => {
  const other = await onboardMerchantWithTerminal(2);
  const otherTerminal = new TerminalSimulator(
    connection,
    { terminalId: other.terminalId, merchantNumber: other.merchantNumber, tmkHex: other.tmkHex },
    { timeoutMs: 20_000 },
  );
  expect.equal((await otherTerminal.signIn()).responseCode, '00');
  const card = await createCard({ balanceFen: 100_000 });
  const first = await otherTerminal.purchase(card, fen(2_000));
  await otherTerminal.purchase(card, fen(3_000));
  expect.equal((await otherTerminal.refund(first, card, fen(500))).responseCode, '00');
  const balanced = await otherTerminal.settle();
  expect.equal(balanced.responseCode, '00');
  expect.equal(String(balanced.response.fields.get(48)).charAt(30), '1');
  // The next batch: the platform records a purchase the terminal's journal does not know about.
  const { request, stan } = otherTerminal.buildFinancial('PURCHASE', card, fen(999), undefined, {});
  expect.equal((await connection.exchange(otherTerminal.encode(request), stan, 20_000)).message.fields.get(39), '00');
  expect.equal((await otherTerminal.purchase(card, fen(1_000))).responseCode, '00');
  const unbalancedBatch = otherTerminal.batchNumber;
  const unbalanced = await otherTerminal.settle();
  expect.equal(String(unbalanced.response.fields.get(48)).charAt(30), '2');
  // An unbalanced batch is followed by its batch upload (0320), counted against the settled batch.
  const uploadStan = otherTerminal.nextStan();
  const upload = {
    mti: '0320',
    fields: new Map<number, string>([
      [11, uploadStan],
      [41, other.terminalId],
      [42, other.merchantNumber],
      [48, '01'],
      [60, `00${unbalancedBatch}201`],
    ]),
  };
  const uploaded = await connection.exchange(otherTerminal.encode(upload), uploadStan, 20_000);
  expect.equal(uploaded.message.fields.get(39), '00');
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}
