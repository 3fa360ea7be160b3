// Goal: every transaction kind runs through the real pipeline and store with the answers a terminal expects, approved and declined; method: real Postgres, fakes for merchant, risk, network and HSM.
import { strict as expect } from 'node:assert';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { fen } from '@acq/money';
import { type AuthorizationAnswer, authorizeTransaction } from '../src/flows/authorize/authorize-transaction.ts';
import type { FlowDependencies } from '../src/flows/flow-dependencies.ts';
import { recoverInterruptedIntents } from '../src/flows/recover-interrupted-intents.ts';
import type { TerminalRequest } from '../src/flows/terminal-request.ts';
import { TransactionIdentities } from '../src/flows/transaction-identity.ts';
import {
  type AuthorizationDatabase,
  authorizationDatabase,
  outboxEventTypes,
} from './support/authorization-database.ts';
import {
  BOUND_MERCHANT_NUMBER,
  type Fakes,
  fakes,
  flowDependencies,
  terminalContext,
  terminalRequest,
} from './support/fakes.ts';

let db: AuthorizationDatabase;
let doubles: Fakes;
let deps: FlowDependencies;
const identities = new TransactionIdentities(1);

before(async () => {
  db = await authorizationDatabase();
});
after(async () => {
  await db.close();
});
beforeEach(() => {
  doubles = fakes();
  deps = flowDependencies(db.store, doubles);
});
afterEach(() => {
  expect.equal(doubles.upstream.reservedUnsent.size, 0, 'every reserved network identity was sent or given back');
});

function authorize(overrides: Partial<TerminalRequest> = {}, dependencies = deps): Promise<AuthorizationAnswer> {
  return authorizeTransaction(terminalRequest(overrides), 30_000, dependencies, identities);
}

function originalOf(request: TerminalRequest, answer: AuthorizationAnswer) {
  return {
    batchNumber: request.batchNumber,
    stan: request.stan,
    dateMmdd: '',
    rrn: answer.rrn,
    authCode: answer.authCode,
    kind: null,
  };
}

async function approvedPurchase(amount = 10_000): Promise<{ request: TerminalRequest; answer: AuthorizationAnswer }> {
  const request = terminalRequest({ amountFen: fen(amount) });
  const answer = await authorizeTransaction(request, 30_000, deps, identities);
  expect.equal(answer.responseCode, '00');
  return { request, answer };
}

async function eventCount(type: string): Promise<number> {
  return (await outboxEventTypes(db.pool)).filter((candidate) => candidate === type).length;
}

test('IC purchase: approved, recorded, fee computed, event written, bound merchant sent upstream', async () => {
  const before = await eventCount('TransactionApproved');
  const { answer } = await approvedPurchase(10_000);
  expect.equal(answer.authCode, 'A00001');
  expect.equal(answer.feeFen, 60n); // unknown card kind is charged at the credit rate, 0.60%
  const stored = await db.store.findById(answer.txnId);
  expect.equal(stored?.status, 'approved');
  expect.equal(stored?.panMasked, '622202*********0128');
  expect.equal(await eventCount('TransactionApproved'), before + 1);
  expect.deepEqual(
    doubles.risk.confirmed.map((entry) => entry.txnId),
    [answer.txnId],
  );
  const sent = doubles.upstream.sent.at(-1);
  expect.equal(sent?.merchantNumber, '898310058120001');
  expect.equal(sent?.mcc, '5812');
  expect.ok(sent?.iccData !== undefined);
  expect.ok(sent?.pinBlockUnderZpk !== undefined);
  const summary = doubles.logLines.find((line) => line.message === 'authorization finished');
  expect.match(String(summary?.fields.steps), /validate-request=.*record-outcome=/);
  expect.doesNotMatch(
    JSON.stringify(doubles.logLines, (_key, value) => (typeof value === 'bigint' ? String(value) : value)),
    /6222021234567890128/,
  );
});

test('issuer decline is passed through, recorded as declined, and risk counters are released', async () => {
  doubles.upstream.answer = () => ({ outcome: 'declined', responseCode: '51', authCode: '' });
  const answer = await authorize();
  expect.equal(answer.responseCode, '51');
  expect.equal((await db.store.findById(answer.txnId))?.status, 'declined');
  expect.equal(doubles.risk.released.length, 1);
});

test('duplicates never charge twice: a retransmission replays the stored answer, another request with the key gets 94', async () => {
  const request = terminalRequest();
  const first = await authorizeTransaction(request, 30_000, deps, identities);
  const retransmitted = await authorizeTransaction({ ...request, correlationId: 'again' }, 30_000, deps, identities);
  expect.equal(retransmitted.responseCode, '00');
  expect.equal(retransmitted.txnId, first.txnId);
  expect.equal(retransmitted.rrn, first.rrn);
  expect.equal(retransmitted.authCode, first.authCode);
  const different = await authorizeTransaction({ ...request, amountFen: fen(99) }, 30_000, deps, identities);
  expect.equal(different.responseCode, '94');
  expect.equal(doubles.upstream.sent.length, 1);
});

test('the intent is durable with the network identity before the request leaves; a request that never left keeps none', async () => {
  let atSend: Awaited<ReturnType<typeof db.store.findById>>;
  doubles.upstream.answer = async (request) => {
    // What crash recovery would find if the process died now.
    atSend = await db.store.findById(request.txnId);
    return {};
  };
  const answer = await authorize();
  expect.equal(answer.responseCode, '00');
  expect.equal(atSend?.status, 'pending');
  expect.match(atSend?.networkStan ?? '', /^[0-9]{6}$/);
  const stored = await db.store.findById(answer.txnId);
  expect.equal(stored?.networkStan, atSend?.networkStan, 'sent under the identity recorded with the intent');
  expect.equal(stored?.transmissionDateTime, atSend?.transmissionDateTime);
  const refused = await authorize({ merchantNumberFromTerminal: '898310054110001' });
  expect.equal(refused.responseCode, '03');
  expect.equal(
    (await db.store.findById(refused.txnId))?.networkStan,
    '',
    'declined before routing: nothing to reverse',
  );
});

test('跳码: a terminal claiming another merchant number is declined 03, recorded, and never reaches the network', async () => {
  const before = await eventCount('CodeJumpAttempt');
  const answer = await authorize({ merchantNumberFromTerminal: '898310054110001' });
  expect.equal(answer.responseCode, '03');
  expect.equal(doubles.upstream.sent.length, 0);
  expect.equal((await db.store.findById(answer.txnId))?.declineReason, 'code_jump');
  expect.equal(await eventCount('CodeJumpAttempt'), before + 1);
});

test('contactless without PIN: approved up to the limit, 55 one fen above', async () => {
  const atLimit = await authorize({ posEntryMode: '072', pinBlock: null, amountFen: fen(100_000) });
  expect.equal(atLimit.responseCode, '00');
  const above = await authorize({ posEntryMode: '072', pinBlock: null, amountFen: fen(100_001) });
  expect.equal(above.responseCode, '55');
  const withPin = await authorize({ posEntryMode: '071', amountFen: fen(100_001) });
  expect.equal(withPin.responseCode, '00');
});

test('scan-code purchase with field 59 and balance inquiry', async () => {
  const scan = await authorize({
    posEntryMode: '031',
    pan: '',
    track2: '',
    expiryYymm: '',
    pinBlock: null,
    iccData: null,
    scanCode: '134567890123456789',
  });
  expect.equal(scan.responseCode, '00');
  doubles.upstream.answer = () => ({ balanceFen: fen(123_456) });
  const approvedEvents = await eventCount('TransactionApproved');
  const inquiry = await authorize({ kind: 'balance_inquiry', amountFen: fen(0) });
  expect.equal(await eventCount('TransactionApproved'), approvedEvents, 'inquiries move no money');
  expect.equal(inquiry.responseCode, '00');
  expect.equal(inquiry.balanceFen, 123_456n);
  expect.equal(inquiry.feeFen, 0n);
});

test('reversing a balance inquiry answers 00 and announces nothing', async () => {
  const inquiry = terminalRequest({ kind: 'balance_inquiry', amountFen: fen(0) });
  expect.equal((await authorizeTransaction(inquiry, 30_000, deps, identities)).responseCode, '00');
  const before = await eventCount('TransactionReversed');
  const reversal = await authorize({
    kind: 'reversal',
    stan: inquiry.stan,
    batchNumber: inquiry.batchNumber,
    amountFen: fen(0),
  });
  expect.equal(reversal.responseCode, '00');
  expect.equal(await eventCount('TransactionReversed'), before);
  expect.equal(doubles.upstream.reversals.length, 0);
});

test('void: same batch approved once; a second void is 12; the network gets the original data elements', async () => {
  const { request, answer } = await approvedPurchase();
  const voidRequest = { kind: 'void' as const, original: originalOf(request, answer) };
  const voided = await authorize(voidRequest);
  expect.equal(voided.responseCode, '00');
  expect.equal(doubles.upstream.sent.at(-1)?.original?.authCode, answer.authCode);
  expect.equal((await db.store.findById(answer.txnId))?.cancelledByTxnId, voided.txnId);
  expect.equal((await authorize(voidRequest)).responseCode, '12');
});

test('refund: partial refunds add up to the original; one fen more is refused 61', async () => {
  const { request, answer } = await approvedPurchase(10_000);
  const original = originalOf(request, answer);
  expect.equal((await authorize({ kind: 'refund', amountFen: fen(6_000), original })).responseCode, '00');
  expect.equal((await authorize({ kind: 'refund', amountFen: fen(4_001), original })).responseCode, '61');
  expect.equal((await authorize({ kind: 'refund', amountFen: fen(4_000), original })).responseCode, '00');
  expect.equal((await db.store.findById(answer.txnId))?.refundedFen, 10_000n);
});

test('a refund from another terminal of the merchant finds the original by RRN; another merchant cannot', async () => {
  const { request, answer } = await approvedPurchase(10_000);
  doubles.merchants.terminals.set('T0000004', terminalContext({ terminalId: 'T0000004' }));
  const byRrn = { batchNumber: '000009', stan: '999998', dateMmdd: '', rrn: answer.rrn, authCode: '', kind: null };
  const refund = await authorize({ terminalId: 'T0000004', kind: 'refund', amountFen: fen(1_000), original: byRrn });
  expect.equal(refund.responseCode, '00');
  expect.equal((await db.store.findById(answer.txnId))?.refundedFen, 1_000n);
  doubles.merchants.terminals.set('T0000006', terminalContext({ terminalId: 'T0000006', merchantId: 'mch_2' }));
  const foreign = await authorize({ terminalId: 'T0000006', kind: 'refund', amountFen: fen(1_000), original: byRrn });
  expect.equal(foreign.responseCode, '25');
  expect.ok(request.stan !== byRrn.stan);
});

test('a declined refund gives its reserved amount back', async () => {
  const { request, answer } = await approvedPurchase(10_000);
  doubles.upstream.answer = () => ({ outcome: 'declined', responseCode: '05' });
  const refused = await authorize({ kind: 'refund', amountFen: fen(10_000), original: originalOf(request, answer) });
  expect.equal(refused.responseCode, '05');
  expect.equal((await db.store.findById(answer.txnId))?.refundedFen, 0n);
});

test('pre-auth, completion within 115%, completion over it refused, void of the completion', async () => {
  const preauthRequest = terminalRequest({ kind: 'preauth', amountFen: fen(10_000), posConditionCode: '06' });
  const preauth = await authorizeTransaction(preauthRequest, 30_000, deps, identities);
  expect.equal(preauth.responseCode, '00');
  const original = originalOf(preauthRequest, preauth);
  expect.equal((await authorize({ kind: 'completion', amountFen: fen(11_501), original })).responseCode, '13');
  const completionRequest = terminalRequest({ kind: 'completion', amountFen: fen(11_500), original });
  const completion = await authorizeTransaction(completionRequest, 30_000, deps, identities);
  expect.equal(completion.responseCode, '00');
  expect.equal((await authorize({ kind: 'preauth_void', amountFen: fen(10_000), original })).responseCode, '12');
  const completionVoid = await authorize({
    kind: 'completion_void',
    amountFen: fen(11_500),
    original: originalOf(completionRequest, completion),
  });
  expect.equal(completionVoid.responseCode, '00');
});

test('pre-auth void releases the pre-auth', async () => {
  const preauthRequest = terminalRequest({ kind: 'preauth', amountFen: fen(5_000) });
  const preauth = await authorizeTransaction(preauthRequest, 30_000, deps, identities);
  const voided = await authorize({
    kind: 'preauth_void',
    amountFen: fen(5_000),
    original: originalOf(preauthRequest, preauth),
  });
  expect.equal(voided.responseCode, '00');
  expect.equal(
    (await authorize({ kind: 'completion', amountFen: fen(5_000), original: originalOf(preauthRequest, preauth) }))
      .responseCode,
    '12',
  );
});

test('reversal: approved original reversed once with an upstream reversal and one event; repeats answer 00; unknown answers 25', async () => {
  const { request, answer } = await approvedPurchase();
  const before = await eventCount('TransactionReversed');
  const reversal = {
    kind: 'reversal' as const,
    stan: request.stan,
    batchNumber: request.batchNumber,
    amountFen: request.amountFen,
    reversalReasonCode: '98',
  };
  const first = await authorize(reversal);
  expect.equal(first.responseCode, '00');
  expect.equal(first.txnId, answer.txnId);
  expect.equal(doubles.upstream.reversals.length, 1);
  expect.equal(doubles.upstream.reversals[0]?.reason, 'terminal_reversal');
  expect.equal(await eventCount('TransactionReversed'), before + 1);
  const again = await authorize(reversal);
  expect.equal(again.responseCode, '00');
  expect.equal(await eventCount('TransactionReversed'), before + 1);
  const unknown = await authorize({ kind: 'reversal', stan: '999999', amountFen: fen(1) });
  expect.equal(unknown.responseCode, '25');
  // A reversed purchase can no longer be voided.
  expect.equal((await authorize({ kind: 'void', original: originalOf(request, answer) })).responseCode, '12');
});

test('reversing a void makes the purchase voidable again', async () => {
  const { request, answer } = await approvedPurchase();
  const voidRequest = terminalRequest({ kind: 'void', original: originalOf(request, answer) });
  expect.equal((await authorizeTransaction(voidRequest, 30_000, deps, identities)).responseCode, '00');
  const reversed = await authorize({
    kind: 'reversal',
    stan: voidRequest.stan,
    batchNumber: voidRequest.batchNumber,
    amountFen: voidRequest.amountFen,
  });
  expect.equal(reversed.responseCode, '00');
  expect.equal((await db.store.findById(answer.txnId))?.cancelledByTxnId, null);
  expect.equal((await authorize({ kind: 'void', original: originalOf(request, answer) })).responseCode, '00');
});

test('upstream timeout answers 98, records timed_out and queues the reversal when the connector could not', async () => {
  doubles.upstream.answer = () => ({ outcome: 'timeout', responseCode: '98', authCode: '', reversalQueued: false });
  const answer = await authorize();
  expect.equal(answer.responseCode, '98');
  expect.equal((await db.store.findById(answer.txnId))?.status, 'timed_out');
  expect.equal(doubles.upstream.reversals.at(-1)?.txnId, answer.txnId);
  expect.equal(doubles.upstream.reversals.at(-1)?.reason, 'timeout');
});

test('risk: decline passes its code, silence fails closed with 96, or open when configured', async () => {
  doubles.risk.decide = () => ({ outcome: 'decline', responseCode: '61', firedRules: ['single_limit'] });
  expect.equal((await authorize()).responseCode, '61');
  doubles.risk.decide = () => ({ outcome: 'timeout' });
  expect.equal((await authorize()).responseCode, '96');
  const failOpen = flowDependencies(db.store, doubles, { riskFailOpen: true });
  expect.equal((await authorize({}, failOpen)).responseCode, '00');
});

test('terminal refusals: unknown 97, frozen 58, merchant closed 03, not signed in 97 + re-sign-in, wrong batch 77, bad format 30', async () => {
  expect.equal((await authorize({ terminalId: 'T9999999' })).responseCode, '97');
  doubles.merchants.terminals.set('T0000001', terminalContext({ terminalStatus: 'frozen' }));
  expect.equal((await authorize()).responseCode, '58');
  doubles.merchants.terminals.set('T0000001', terminalContext({ merchantStatus: 'closed' }));
  expect.equal((await authorize()).responseCode, '03');
  doubles.merchants.terminals.set('T0000001', terminalContext({ signedIn: false }));
  const notSignedIn = await authorize();
  expect.equal(notSignedIn.responseCode, '97');
  expect.equal(notSignedIn.hostDirective, 'resign_in');
  doubles.merchants.terminals.set('T0000001', terminalContext());
  expect.equal((await authorize({ batchNumber: '000002' })).responseCode, '77');
  expect.equal((await authorize({ stan: '12345' })).responseCode, '30');
  expect.equal((await authorize({ pan: '6222021234567890127', track2: '' })).responseCode, '14');
  expect.equal((await authorize({ expiryYymm: '2001', track2: '' })).responseCode, '54');
  expect.equal((await authorize({ amountFen: fen(0) })).responseCode, '13');
  expect.equal(doubles.upstream.sent.length, 0);
});

test('batch settlement: balanced answers 1 and closes the batch (no void after settlement); unbalanced answers 2; then upload', async () => {
  doubles.merchants.terminals.set('T0000003', terminalContext({ terminalId: 'T0000003' }));
  const purchase = terminalRequest({ terminalId: 'T0000003', amountFen: fen(10_000) });
  const approved = await authorizeTransaction(purchase, 30_000, deps, identities);
  const refund = await authorize({
    terminalId: 'T0000003',
    kind: 'refund',
    amountFen: fen(2_000),
    original: originalOf(purchase, approved),
  });
  expect.equal(refund.responseCode, '00');
  const totals = { debitAmountFen: fen(10_000), debitCount: 1, creditAmountFen: fen(2_000), creditCount: 1 };
  const settled = await authorize({
    terminalId: 'T0000003',
    kind: 'batch_settlement',
    amountFen: fen(0),
    settlementTotals: totals,
  });
  expect.equal(settled.responseCode, '00');
  expect.equal(settled.settlementResult, 1);
  expect.deepEqual(doubles.merchants.batchMoves.at(-1), { terminalId: 'T0000003', batchNumber: '000002' });
  // The purchase's batch is closed: the terminal must refund instead of voiding.
  expect.equal(
    (
      await authorize({
        terminalId: 'T0000003',
        batchNumber: '000002',
        kind: 'void',
        original: originalOf(purchase, approved),
      })
    ).responseCode,
    '12',
  );
  const unbalanced = await authorize({
    terminalId: 'T0000003',
    batchNumber: '000002',
    kind: 'batch_settlement',
    amountFen: fen(0),
    settlementTotals: { ...totals, debitCount: 2 },
  });
  expect.equal(unbalanced.settlementResult, 2);
  const upload = await authorize({
    terminalId: 'T0000003',
    batchNumber: '000002',
    kind: 'batch_upload',
    amountFen: fen(0),
    uploadRecordCount: 2,
  });
  expect.equal(upload.responseCode, '00');
  expect.equal(await eventCount('BatchSettled'), 2);
});

test('the terminal reversing a transaction still in flight: the late approval is reversed upstream and never announced', async () => {
  const request = terminalRequest();
  let releaseNetwork: () => void = () => {};
  doubles.upstream.answer = () =>
    new Promise((resolve) => {
      releaseNetwork = () => resolve({});
    });
  const before = await eventCount('TransactionApproved');
  const inFlight = authorizeTransaction(request, 30_000, deps, identities);
  while (doubles.upstream.sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const reversal = await authorize({
    kind: 'reversal',
    stan: request.stan,
    batchNumber: request.batchNumber,
    amountFen: request.amountFen,
  });
  expect.equal(reversal.responseCode, '00');
  releaseNetwork();
  const answer = await inFlight;
  expect.equal(answer.responseCode, '98');
  expect.equal(doubles.upstream.reversals.at(-1)?.reason, 'not_recorded');
  expect.equal(await eventCount('TransactionApproved'), before);
});

test("a terminal's reversal of a transaction whose process died: 00 at once, recovery reverses it upstream under its recorded identity, once", async () => {
  const request = terminalRequest();
  // What a process that died after sending leaves behind: the pending intent with its network identity.
  const txnId = 'auth_diedaftersending01';
  await db.store.recordIntent({
    txnId,
    kind: 'purchase',
    terminalId: request.terminalId,
    batchNumber: request.batchNumber,
    stan: request.stan,
    merchantId: 'mch_1',
    merchantNumber: BOUND_MERCHANT_NUMBER,
    merchantNumberFromTerminal: request.merchantNumberFromTerminal,
    mcc: '5812',
    amountFen: request.amountFen,
    posEntryMode: request.posEntryMode,
    cardToken: 'token',
    panMasked: null,
    posConditionCode: request.posConditionCode,
    requestFingerprint: 'fingerprint',
    rrn: '010000000099',
    networkStan: '123456',
    transmissionDateTime: '1122031500',
    businessDate: '20261122',
    originalTxnId: null,
  });
  const reverse = () =>
    authorize({ kind: 'reversal', stan: request.stan, batchNumber: request.batchNumber, amountFen: request.amountFen });
  expect.equal((await reverse()).responseCode, '00');
  expect.equal(doubles.upstream.reversals.length, 0, 'its message may still be on the way: recovery reverses it');
  await db.pool.query(`UPDATE transactions SET created_at = now() - interval '10 minutes' WHERE txn_id = $1`, [txnId]);
  const recover = () =>
    recoverInterruptedIntents({
      pool: db.pool,
      logger: deps.logger,
      upstream: doubles.upstream,
      acquirerInstitutionId: deps.settings.acquirerInstitutionId,
      pendingAgeMsMin: 60_000,
      batchRowsMax: 100,
    });
  expect.equal(await recover(), 1);
  expect.equal(await recover(), 0);
  expect.equal((await reverse()).responseCode, '00');
  expect.deepEqual(
    doubles.upstream.reversals.map((reversal) => [reversal.txnId, reversal.reason, reversal.networkStan]),
    [[txnId, 'not_recorded', '123456']],
  );
  const stored = await db.store.findById(txnId);
  expect.equal(stored?.status, 'timed_out');
  expect.equal(stored?.reversed, true);
});
