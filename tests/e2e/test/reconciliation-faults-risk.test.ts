// Goal: after a mixed run the platform's approved set equals the card network's, transaction by
// transaction; an upstream timeout answers 98 and its reversal reaches the network even when
// authorization is killed right after; a forged merchant number is declined 03 (跳码); a scripted
// cash-out pattern opens a case operators see over HTTP. Method: the whole platform as processes on
// a fresh database, the terminal simulator over TCP, network-sim's fault knobs and approval list.
import { after, before, test } from 'node:test';
import { strict as expect } from 'node:assert';
import { type ApprovalKey, compareApprovals, fetchNetworkApprovals, fetchPlatformApprovals } from '@acq/bench';
import { fen } from '@acq/money';
import { TerminalConnection, TerminalSimulator, type TransactionResult } from '@acq/terminal-protocol';
import {
  cardBalanceFen,
  createCard,
  GATEWAY_HTTP_URL,
  http,
  NETWORK_SIM_URL,
  onboardMerchantWithTerminal,
  type OnboardedTerminal,
  operatorToken,
  type PlatformUnderTest,
  startPlatformUnderTest,
} from '../src/index.ts';

/** Short enough that the test does not wait long, long enough for a loaded CI machine. */
const UPSTREAM_TIMEOUT_MS = 3_000;

let platform: PlatformUnderTest;
let connection: TerminalConnection;
const startedAtMs = Date.now();

before(async () => {
  platform = await startPlatformUnderTest({
    AUTHORIZATION_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
  });
  connection = await TerminalConnection.open('127.0.0.1', 8583);
});

after(async () => {
  connection?.close();
  await platform?.stop();
});

async function signedInTerminal(
  sequence: number,
  mcc?: string,
): Promise<{ terminal: TerminalSimulator; onboarded: OnboardedTerminal }> {
  const onboarded = await onboardMerchantWithTerminal(sequence, mcc);
  const terminal = new TerminalSimulator(
    connection,
    { terminalId: onboarded.terminalId, merchantNumber: onboarded.merchantNumber, tmkHex: onboarded.tmkHex },
    { timeoutMs: 30_000 },
  );
  expect.equal((await terminal.signIn()).responseCode, '00');
  return { terminal, onboarded };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

test('after a mixed run the platform, the network and the terminal agree transaction by transaction', async () => {
  const { terminal, onboarded } = await signedInTerminal(11);
  const card = await createCard({ balanceFen: 1_000_000 });
  const poor = await createCard({ balanceFen: 100 });
  const approved: TransactionResult[] = [];
  const keep = (result: TransactionResult) => {
    if (result.responseCode === '00') approved.push(result);
    return result;
  };
  const purchases: TransactionResult[] = [];
  for (let index = 0; index < 8; index++) purchases.push(keep(await terminal.purchase(card, fen(1_000 + index))));
  expect.ok(purchases.every((purchase) => purchase.responseCode === '00'));
  keep(await terminal.void(purchases[0] as TransactionResult, card));
  keep(await terminal.refund(purchases[1] as TransactionResult, card, fen(500)));
  expect.equal((await terminal.purchase(poor, fen(5_000))).responseCode, '51');
  const reversed = purchases[2] as TransactionResult;
  expect.equal((await terminal.reverse(reversed.request)).responseCode, '00');
  const expected: ApprovalKey[] = approved
    .filter((result) => result !== reversed)
    .map((result) => ({ terminalId: onboarded.terminalId, rrn: result.rrn, authCode: result.authCode }));
  const terminals = [onboarded.terminalId];
  const network = await eventually(
    () => fetchNetworkApprovals(NETWORK_SIM_URL, terminals, startedAtMs, Date.now()),
    (found) => compareApprovals(expected, found).lostCount + compareApprovals(expected, found).unknownCount === 0,
  );
  const platformSide = await fetchPlatformApprovals(platform.databaseUrl, terminals, startedAtMs);
  for (const [side, found] of [
    ['network', network],
    ['platform', platformSide],
  ] as const) {
    const verification = compareApprovals(expected, found);
    expect.equal(verification.lostCount, 0, `${side}: lost ${JSON.stringify(verification.lost)}`);
    expect.equal(verification.duplicatedCount, 0, `${side}: duplicated`);
    expect.equal(verification.unknownCount, 0, `${side}: unknown ${JSON.stringify(verification.unknown)}`);
    expect.equal(verification.matched, expected.length, side);
  }
});

test('an upstream timeout answers 98 and the reversal reaches the network although authorization is killed', async () => {
  const { terminal } = await signedInTerminal(12);
  const card = await createCard({ balanceFen: 50_000 });
  await http('PUT', `${NETWORK_SIM_URL}/faults`, { body: { timeoutRate: 1, pans: [card.pan] } });
  const purchase = await terminal.purchase(card, fen(20_000));
  expect.equal(purchase.responseCode, '98');
  // The network moved the money but never answered: the platform owes the cardholder a reversal.
  // The network processes the queued reversal but, under the fault, never acknowledges it: it stays
  // in the store-and-forward queue across the kill. Wait for the restart before lifting the fault.
  platform.supervisor.processOf('authorization')?.kill('SIGKILL');
  const restarts = await eventually(
    async () => platform.supervisor.restartsOf('authorization'),
    (count) => count >= 1,
    30_000,
  );
  expect.ok(restarts >= 1, 'authorization was killed and restarted');
  await http('DELETE', `${NETWORK_SIM_URL}/faults`);
  await platform.supervisor.waitUntilReady(60_000);
  const balance = await eventually(
    () => cardBalanceFen(card.pan),
    (value) => value === 50_000n,
    60_000,
  );
  expect.equal(balance, 50_000n, 'the store-and-forward reversal survived the restart and reached the network');
});

test('跳码: a terminal sending another merchant number is declined 03 and nothing is charged', async () => {
  const { terminal } = await signedInTerminal(13);
  const card = await createCard({ balanceFen: 40_000 });
  const forged = await terminal.purchase(card, fen(10_000), { merchantNumberOverride: '898290054110099' });
  expect.equal(forged.responseCode, '03');
  expect.equal(await cardBalanceFen(card.pan), 40_000n);
  const genuine = await terminal.purchase(card, fen(10_000));
  expect.equal(genuine.responseCode, '00');
});

test('a scripted cash-out pattern (repeated just-under-limit taps) opens a case visible to operators', async () => {
  const { terminal, onboarded } = await signedInTerminal(14);
  const card = await createCard({ balanceFen: 10_000_000 });
  for (let index = 0; index < 3; index++) {
    const tap = await terminal.purchase(card, fen(99_900), { entryMode: 'contactless', withoutPin: true });
    expect.equal(tap.responseCode, '00');
  }
  const token = operatorToken();
  const cases = await eventually(
    () =>
      http<{ cases?: Array<{ rule: string; merchantId: string }> }>(
        'GET',
        `${GATEWAY_HTTP_URL}/v1/risk/cases?merchantId=${onboarded.merchantId}&status=open`,
        { token },
      ),
    (result) => (result.body.cases ?? []).some((riskCase) => riskCase.rule === 'pattern.just_under_limit'),
  );
  expect.equal(cases.status, 200);
  expect.ok((cases.body.cases ?? []).some((riskCase) => riskCase.rule === 'pattern.just_under_limit'));
});
