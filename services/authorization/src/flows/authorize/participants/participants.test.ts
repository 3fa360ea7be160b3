// Goal: each participant alone decides, votes and records its reason as specified; method: hand-built contexts with fake ports, no database.
import { strict as expect } from 'node:assert';
import { after, test } from 'node:test';
import { fen } from '@acq/money';
import pg from 'pg';
import {
  BOUND_MERCHANT_NUMBER,
  fakes,
  flowDependencies,
  terminalContext,
  terminalRequest,
} from '../../../../test/support/fakes.ts';
import { TransactionStore } from '../../../store/transaction-store.ts';
import type { StoredTransaction } from '../../../store/transaction-row.ts';
import type { TerminalRequest } from '../../terminal-request.ts';
import { AuthorizationContext } from '../authorization-context.ts';
import { isPrepared, joins } from '../participant.ts';
import { assessRisk } from './assess-risk.ts';
import { checkAmountRules } from './check-amount-rules.ts';
import { classifyCard } from './classify-card.ts';
import { detectCodeJump } from './detect-code-jump.ts';
import { loadTerminalContext } from './load-terminal-context.ts';
import { reserveNetworkIdentity } from './reserve-network-identity.ts';
import { routeUpstream } from './route-upstream.ts';
import { translatePin } from './translate-pin.ts';
import { validateRequest } from './validate-request.ts';

const idlePool = new pg.Pool({ max: 1 });
const store = new TransactionStore(idlePool, async () => {}, {
  windowMs: 1,
  rowsMax: 1,
  queueRowsMax: 1,
  concurrentBatchesMax: 1,
});
after(async () => {
  await store.close();
  await idlePool.end();
});

function setup(overrides: Partial<TerminalRequest> = {}) {
  const doubles = fakes();
  const deps = flowDependencies(store, doubles);
  const ctx = new AuthorizationContext(terminalRequest(overrides), {
    txnId: 'auth_participant',
    rrn: '010000000001',
    nowMs: Date.now(),
    budgetMs: 10_000,
    businessDate: '20261122',
  });
  return { doubles, deps, ctx };
}

async function prepared(ctx: AuthorizationContext, deps: ReturnType<typeof setup>['deps'], step = validateRequest) {
  await validateRequest.prepare(ctx, deps);
  ctx.terminal = terminalContext();
  return step.prepare(ctx, deps);
}

test('validate-request derives PAN, expiry, token and mask from track 2, and never keeps more', async () => {
  const { ctx, deps } = setup({ pan: '', expiryYymm: '' });
  expect.ok(isPrepared(await validateRequest.prepare(ctx, deps)));
  expect.equal(ctx.pan, '6222021234567890128');
  expect.equal(ctx.expiryYymm, '3012');
  expect.equal(ctx.panMasked, '622202*********0128');
  expect.equal(ctx.cardToken?.length, 64);
  ctx.forgetCardData();
  expect.equal(ctx.pan, '');
  expect.equal(ctx.pinBlock, null);
});

test('validate-request refusals: format 30, amount 13, card 14, expired 54', async () => {
  const cases: Array<[Partial<TerminalRequest>, string]> = [
    [{ terminalId: 'T1' }, 'format_error'],
    [{ batchNumber: '00001A' }, 'format_error'],
    [{ amountFen: fen(0) }, 'invalid_amount'],
    [{ amountFen: fen(1_000_000_000_000n) }, 'invalid_amount'],
    [{ track2: '6222021234567890129=3012', pan: '' }, 'invalid_card'],
    [{ track2: '6222021234567890128=2001', pan: '', expiryYymm: '' }, 'expired_card'],
    [{ kind: 'refund', original: null }, 'format_error'],
    [{ kind: 'batch_settlement', settlementTotals: null }, 'format_error'],
    [{ iccData: new Uint8Array(256) }, 'format_error'],
  ];
  for (const [overrides, reason] of cases) {
    const { ctx, deps } = setup(overrides);
    const vote = await validateRequest.prepare(ctx, deps);
    expect.equal(isPrepared(vote), false, JSON.stringify(reason));
    expect.equal(ctx.declineReason, reason);
    expect.equal(joins(vote), false);
  }
});

test('classify-card: debit and credit BINs from the table, unknown issuers stay unknown', async () => {
  for (const [pan, expected] of [
    ['6222021234567890128', 'debit'],
    ['6258000000000006', 'credit'],
    ['4111111111111111', 'unknown'],
  ] as const) {
    const { ctx, deps } = setup({ pan, track2: '' });
    await validateRequest.prepare(ctx, deps);
    expect.ok(isPrepared(await classifyCard.prepare(ctx, deps)));
    expect.equal(ctx.cardKind, expected, pan);
  }
});

test('load-terminal-context: unavailable merchant service is 96-class, not a guess', async () => {
  const { ctx, deps, doubles } = setup();
  doubles.merchants.available = false;
  expect.equal(isPrepared(await loadTerminalContext.prepare(ctx, deps)), false);
  expect.equal(ctx.declineReason, 'internal_error');
});

test('detect-code-jump compares field 42 with the bound merchant only', async () => {
  const same = setup();
  expect.ok(isPrepared(await prepared(same.ctx, same.deps, detectCodeJump)));
  const jumped = setup({ merchantNumberFromTerminal: '898310054110001' });
  expect.equal(isPrepared(await prepared(jumped.ctx, jumped.deps, detectCodeJump)), false);
  expect.equal(jumped.ctx.declineReason, 'code_jump');
  expect.notEqual(jumped.ctx.request.merchantNumberFromTerminal, BOUND_MERCHANT_NUMBER);
});

test('check-amount-rules: refund over the remaining amount, completion over 115%, void of another batch', async () => {
  const original = (overrides: Partial<StoredTransaction>): StoredTransaction =>
    ({
      txnId: 'auth_original',
      kind: 'purchase',
      status: 'approved',
      batchNumber: '000001',
      businessDate: '20261122',
      amountFen: fen(10_000),
      refundedFen: fen(7_000),
      cancelledByTxnId: null,
      completedByTxnId: null,
      reversed: false,
      settled: false,
      ...overrides,
    }) as StoredTransaction;
  const refund = setup({
    kind: 'refund',
    amountFen: fen(3_001),
    original: { batchNumber: '000001', stan: '000001', dateMmdd: '', rrn: '', authCode: '', kind: null },
  });
  refund.ctx.original = original({});
  expect.equal(isPrepared(await checkAmountRules.prepare(refund.ctx, refund.deps)), false);
  expect.equal(refund.ctx.declineReason, 'refund_exceeds_original');
  const completion = setup({ kind: 'completion', amountFen: fen(11_501) });
  completion.ctx.original = original({ kind: 'preauth', refundedFen: fen(0) });
  expect.equal(isPrepared(await checkAmountRules.prepare(completion.ctx, completion.deps)), false);
  expect.equal(completion.ctx.declineReason, 'completion_exceeds_preauth');
  const voidOld = setup({ kind: 'void', amountFen: fen(10_000) });
  voidOld.ctx.original = original({ batchNumber: '000000', refundedFen: fen(0) });
  expect.equal(isPrepared(await checkAmountRules.prepare(voidOld.ctx, voidOld.deps)), false);
  expect.equal(voidOld.ctx.declineReason, 'original_not_eligible');
});

test('assess-risk: an approval without a reservation id confirms and releases nothing', async () => {
  const unreserved = setup();
  unreserved.doubles.risk.decide = () => ({ outcome: 'approve', reservationId: '', firedRules: [] });
  expect.ok(isPrepared(await prepared(unreserved.ctx, unreserved.deps, assessRisk)));
  expect.equal(unreserved.ctx.riskReservationId, undefined);
  await assessRisk.commit?.(unreserved.ctx, unreserved.deps);
  await assessRisk.abort?.(unreserved.ctx, unreserved.deps);
  expect.equal(unreserved.doubles.risk.confirmed.length, 0);
  expect.equal(unreserved.doubles.risk.released.length, 0);
});

test('assess-risk: approve joins (so abort releases), decline carries risk code, timeout fails closed or open', async () => {
  const approved = setup();
  const vote = await prepared(approved.ctx, approved.deps, assessRisk);
  expect.ok(isPrepared(vote) && joins(vote));
  await assessRisk.abort?.(approved.ctx, approved.deps);
  expect.equal(approved.doubles.risk.released.length, 1);
  await assessRisk.commit?.(approved.ctx, approved.deps);
  expect.equal(approved.doubles.risk.confirmed.length, 1);
  expect.equal(approved.doubles.risk.assessed[0]?.cardToken, approved.ctx.cardToken);
  const declined = setup();
  declined.doubles.risk.decide = () => ({ outcome: 'decline', responseCode: '65', firedRules: ['velocity'] });
  expect.equal(isPrepared(await prepared(declined.ctx, declined.deps, assessRisk)), false);
  expect.equal(declined.ctx.externalResponseCode, '65');
  const silent = setup();
  silent.doubles.risk.decide = () => ({ outcome: 'timeout' });
  const silentVote = await prepared(silent.ctx, silent.deps, assessRisk);
  expect.equal(isPrepared(silentVote), false);
  expect.equal(silent.ctx.declineReason, 'risk_unavailable');
  // A late answer may have reserved counters: the timed-out step joins and its abort releases them.
  expect.ok(joins(silentVote));
  await assessRisk.abort?.(silent.ctx, silent.deps);
  expect.deepEqual(silent.doubles.risk.released.at(-1), {
    reservationId: `rsv_${silent.ctx.txnId}`,
    reason: 'risk_unavailable',
  });
  const open = setup();
  open.doubles.risk.decide = () => ({ outcome: 'timeout' });
  const openDeps = { ...open.deps, settings: { ...open.deps.settings, riskFailOpen: true } };
  expect.ok(isPrepared(await prepared(open.ctx, openDeps, assessRisk)));
});

test('translate-pin: no PIN passes, HSM refusal declines, a translated block replaces nothing else', async () => {
  const noPin = setup({ pinBlock: null });
  expect.ok(isPrepared(await prepared(noPin.ctx, noPin.deps, translatePin)));
  expect.equal(noPin.ctx.pinBlockUnderZpk, null);
  const refused = setup();
  refused.doubles.pinTranslator.refuse = true;
  expect.equal(isPrepared(await prepared(refused.ctx, refused.deps, translatePin)), false);
  expect.equal(refused.ctx.declineReason, 'pin_translation_failed');
  const translated = setup();
  expect.ok(isPrepared(await prepared(translated.ctx, translated.deps, translatePin)));
  expect.deepEqual([...(translated.ctx.pinBlockUnderZpk ?? [])], new Array(8).fill(0xfe));
});

/** The route step sends under the identity the reserve step recorded with the intent. */
function setupRouted(overrides: Partial<TerminalRequest> = {}) {
  const routed = setup(overrides);
  routed.ctx.networkIdentity = routed.doubles.upstream.reserveIdentity();
  return routed;
}

test('route-upstream: bound merchant goes upstream under the reserved identity; an approval aborted later is reversed as not_recorded; declines are not', async () => {
  const approved = setupRouted({ merchantNumberFromTerminal: '898310054110001' });
  const reserved = approved.ctx.networkIdentity;
  const vote = await prepared(approved.ctx, approved.deps, routeUpstream);
  expect.ok(isPrepared(vote) && joins(vote));
  expect.equal(approved.doubles.upstream.sent[0]?.merchantNumber, BOUND_MERCHANT_NUMBER);
  expect.equal(approved.ctx.status, 'approved');
  expect.equal(approved.ctx.networkStan, reserved?.networkStan);
  expect.equal(approved.ctx.transmissionDateTime, reserved?.transmissionDateTime);
  await routeUpstream.abort?.(approved.ctx, approved.deps);
  await routeUpstream.abort?.(approved.ctx, approved.deps);
  expect.equal(approved.doubles.upstream.reversals.length, 1);
  expect.equal(approved.doubles.upstream.reversals[0]?.reason, 'not_recorded');
  expect.equal(approved.doubles.upstream.reversals[0]?.networkStan, reserved?.networkStan);
  const declined = setupRouted();
  declined.doubles.upstream.answer = () => ({ outcome: 'declined', responseCode: '51' });
  const declineVote = await prepared(declined.ctx, declined.deps, routeUpstream);
  expect.equal(isPrepared(declineVote) || joins(declineVote), false);
  expect.equal(declined.ctx.externalResponseCode, '51');
  const timedOut = setupRouted();
  timedOut.doubles.upstream.answer = () => ({ outcome: 'timeout', responseCode: '98', reversalQueued: true });
  expect.ok(joins(await prepared(timedOut.ctx, timedOut.deps, routeUpstream)));
  await routeUpstream.abort?.(timedOut.ctx, timedOut.deps);
  expect.equal(timedOut.doubles.upstream.reversals.length, 0, 'the connector already queued it');
  expect.equal(timedOut.ctx.status, 'timed_out');
});

test('reserve-network-identity: reserves before the intent, gives an unsent identity back once, a sent one stays with the network', async () => {
  const aborted = setup();
  const vote = await prepared(aborted.ctx, aborted.deps, reserveNetworkIdentity);
  expect.ok(isPrepared(vote) && joins(vote), 'it joins so it can give the identity back');
  const identity = aborted.ctx.networkIdentity;
  expect.match(identity?.networkStan ?? '', /^[0-9]{6}$/);
  expect.equal(aborted.doubles.upstream.reservedUnsent.size, 1);
  await reserveNetworkIdentity.abort?.(aborted.ctx, aborted.deps);
  await reserveNetworkIdentity.abort?.(aborted.ctx, aborted.deps);
  expect.equal(aborted.doubles.upstream.reservedUnsent.size, 0, 'declined before routing: nothing stays reserved');
  const sent = setup();
  await prepared(sent.ctx, sent.deps, reserveNetworkIdentity);
  await routeUpstream.prepare(sent.ctx, sent.deps);
  await reserveNetworkIdentity.commit?.(sent.ctx, sent.deps);
  expect.equal(sent.doubles.upstream.sent.length, 1);
  expect.equal(sent.doubles.upstream.reservedUnsent.size, 0);
  const closing = setup();
  closing.doubles.upstream.reserveIdentity = () => undefined;
  const closingVote = await prepared(closing.ctx, closing.deps, reserveNetworkIdentity);
  expect.equal(isPrepared(closingVote) || joins(closingVote), false);
  expect.equal(closing.ctx.declineReason, 'upstream_unavailable');
});
