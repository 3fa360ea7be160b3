/**
 * Goal: the settlement-card flows behave as seed 002 and DESIGN section 5 require — the onboarding bind,
 * every step of a change and every refusal, the T0 suspension announced to settlement, payouts keeping
 * the card active when they started, and no clear card number in the database or the logs. Method: the
 * real service over gRPC with the merchant service in-process and network-sim as a child process
 * (harness.ts); codes and micro-deposit amounts are read back from network-sim like a merchant would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ServiceError } from '@acq/grpc';
import { type CardChange, SettlementCardChanged } from '@acq/proto/card_registry/v1/card_registry.ts';
import type { Metadata } from '@grpc/grpc-js';
import { completeChange, MERCHANT_ACTOR } from './support/change-flow.ts';
import { AGREEMENT_VERSION, type Harness, OPERATOR, type Person, startHarness } from './support/harness.ts';

const DAY_MS = 86_400_000;

let harness: Harness;
const usedCardNumbers: string[] = [];

before(async () => {
  harness = await startHarness();
});

after(async () => {
  await harness?.close();
});

function refusalCodeOf(error: unknown): string {
  assert.ok(error instanceof ServiceError, `expected a gRPC refusal, got ${String(error)}`);
  const metadata = (error.cause as { metadata?: Metadata }).metadata;
  return String(metadata?.get('x-refusal-code')[0] ?? error.code);
}

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.equal(refusalCodeOf(error), code);
    return true;
  });
}

async function card(holder: Person, kind: 'debit' | 'credit' = 'debit', holderName?: string): Promise<string> {
  const pan = await harness.createSimCard(holder, kind, holderName);
  usedCardNumbers.push(pan);
  return pan;
}

/** A merchant onboarded with a debit card in its own name, the card bound from the approval event. */
async function onboarded(name = '王小明'): Promise<{ merchantId: string; holder: Person; firstCard: string }> {
  const holder = harness.newPerson(name);
  const firstCard = await card(holder);
  const merchantId = await harness.onboardMerchant(holder, firstCard);
  await harness.waitForActiveCard(merchantId);
  return { merchantId, holder, firstCard };
}

function requestChange(
  merchantId: string,
  holder: Person,
  cardNumber: string,
  overrides: Partial<{ holderName: string; idNumber: string; phone: string; verificationMethod: string }> = {},
): Promise<CardChange> {
  const client = harness.client;
  return harness.call(client.requestCardChange, {
    merchantId,
    cardNumber,
    holderName: overrides.holderName ?? holder.name,
    idNumber: overrides.idNumber ?? holder.idNumber,
    phone: overrides.phone ?? holder.phone,
    verificationMethod: overrides.verificationMethod ?? 'micro_deposit',
    actor: MERCHANT_ACTOR,
  });
}

async function confirmSms(change: CardChange, holder: Person): Promise<CardChange> {
  const code = await harness.latestSmsCode(holder.phone);
  return harness.call(harness.client.confirmSmsCode, { changeId: change.changeId, code, actor: MERCHANT_ACTOR });
}

function sign(change: CardChange): Promise<CardChange> {
  return harness.call(harness.client.signAgreement, {
    changeId: change.changeId,
    agreementVersion: AGREEMENT_VERSION,
    actor: MERCHANT_ACTOR,
  });
}

describe('onboarding bind', () => {
  test('the card requested in the approved application becomes the active card (masked in every view)', async () => {
    const { merchantId, firstCard } = await onboarded();
    const view = await harness.call(harness.client.getSettlementCard, { merchantId });
    assert.equal(view.status, 'active');
    assert.equal(view.cardVersion, 1n);
    assert.equal(view.accountNumberMasked, `${firstCard.slice(0, 6)}*********${firstCard.slice(-4)}`);
    assert.equal(view.bankName, '中国建设银行');
    assert.equal(view.t0SuspendedUntilMs, 0n);
    assert.equal(view.nextChangeAllowedAtMs, 0n, 'the onboarding bind starts no cooldown');
  });
});

describe('change happy path', () => {
  test('request -> identity -> SMS -> agreement -> micro-deposit -> active; T0 suspended; event and SMS out', async () => {
    const { merchantId, holder, firstCard } = await onboarded('赵一');
    const newCard = await card(holder);
    const requested = await requestChange(merchantId, holder, newCard);
    assert.equal(requested.state, 'identity_verified');
    assert.equal(requested.kind, 'change');
    assert.equal(requested.phoneMasked, `${holder.phone.slice(0, 3)}****${holder.phone.slice(-4)}`);
    assert.ok(requested.smsCodeExpiresAtMs > BigInt(Date.now()));

    const confirmed = await confirmSms(requested, holder);
    assert.equal(confirmed.state, 'sms_confirmed');
    const signed = await sign(requested);
    assert.equal(signed.state, 'agreement_signed');
    assert.equal(signed.agreementVersionSigned, AGREEMENT_VERSION);
    assert.ok(signed.agreementSignedAtMs > 0n);
    assert.ok(signed.steps.some((step) => step.action === 'micro_deposit_sent'));

    const startedBeforeMs = Date.now();
    const amountFen = await harness.microDepositFen(newCard);
    const active = await harness.call(harness.client.confirmCardVerification, {
      changeId: requested.changeId,
      amountFen,
      actor: MERCHANT_ACTOR,
    });
    assert.equal(active.state, 'active');
    assert.ok(active.t0SuspendedUntilMs >= BigInt(startedBeforeMs + DAY_MS), 'T0 suspended for the configured day');
    const actions = active.steps.map((step) => step.action);
    for (const expected of [
      'requested',
      'identity_verified',
      'sms_code_sent',
      'sms_confirmed',
      'agreement_signed',
      'card_verified',
      'activated',
      'notified',
    ])
      assert.ok(actions.includes(expected), `the audit trail records ${expected}`);

    const payoutCard = await harness.call(harness.client.getActiveSettlementCard, { merchantId, asOfMs: 0n });
    assert.equal(payoutCard.accountNumber, newCard);
    assert.equal(payoutCard.cardVersion, 2n);
    assert.equal(payoutCard.t0SuspendedUntilMs, active.t0SuspendedUntilMs);
    assert.notEqual(payoutCard.accountNumber, firstCard);

    const texts = await harness.smsTexts(holder.phone);
    assert.ok(
      texts.some((text) => text.includes('已变更') && text.includes(newCard.slice(-4))),
      'success SMS sent',
    );

    const events = await harness.registry.pool.query<{ payload: Buffer }>(
      `SELECT payload FROM outbox WHERE event_type = 'acquirer.card_registry.v1.SettlementCardChanged' AND event_key = $1`,
      [merchantId],
    );
    assert.equal(events.rows.length, 1);
    const changed = SettlementCardChanged.decode(events.rows[0]?.payload ?? Buffer.alloc(0));
    assert.equal(changed.t0SuspendedUntilMs, active.t0SuspendedUntilMs, 'settlement and risk hear the suspension');
    assert.equal(changed.previousCardVersion, 1n);
    assert.equal(changed.cardVersion, 2n);
  });

  test('zero-amount verification activates at signing', async () => {
    const { merchantId, holder } = await onboarded('钱二');
    const newCard = await card(holder);
    const requested = await requestChange(merchantId, holder, newCard, { verificationMethod: 'zero_amount' });
    await confirmSms(requested, holder);
    const active = await sign(requested);
    assert.equal(active.state, 'active');
    assert.ok(active.steps.some((step) => step.action === 'card_verified' && step.detail === 'zero_amount'));
  });
});

describe('refusals before a change starts', () => {
  test('credit card, unknown BIN, bad Luhn, other person, wrong ID number', async () => {
    const { merchantId, holder } = await onboarded('孙三');
    await refused(requestChange(merchantId, holder, await card(holder, 'credit')), 'CREDIT_CARD_REFUSED');
    await refused(requestChange(merchantId, holder, '4111111111111111'), 'CARD_BIN_UNKNOWN');
    await refused(requestChange(merchantId, holder, '6217000000000000013'), 'CARD_NUMBER_INVALID');
    const stranger = harness.newPerson('李四');
    const strangersCard = await card(stranger);
    await refused(requestChange(merchantId, stranger, strangersCard), 'HOLDER_NAME_MISMATCH');
    const other = harness.newPerson(holder.name);
    await refused(requestChange(merchantId, holder, strangersCard, { idNumber: other.idNumber }), 'ID_NUMBER_MISMATCH');
    const audit = await harness.registry.pool.query<{ outcome: string }>(
      "SELECT outcome FROM card_registry_audit WHERE merchant_id = $1 AND action = 'request_change' ORDER BY audit_id",
      [merchantId],
    );
    assert.deepEqual(
      audit.rows.map((row) => row.outcome),
      ['CREDIT_CARD_REFUSED', 'CARD_BIN_UNKNOWN', 'CARD_NUMBER_INVALID', 'HOLDER_NAME_MISMATCH', 'ID_NUMBER_MISMATCH'],
    );
  });

  test('wrong bank-registered phone fails the change; the third failure locks the card', async () => {
    const { merchantId, holder } = await onboarded('周四');
    const newCard = await card(holder);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const failed = await requestChange(merchantId, holder, newCard, { phone: '13000000000' });
      assert.equal(failed.state, 'failed');
      assert.equal(failed.failureCode, 'IDENTITY_MISMATCH');
      assert.match(failed.failureMessage, /phone/);
    }
    await refused(requestChange(merchantId, holder, newCard), 'IDENTITY_LOCKED');
  });

  test('cooldown: a second change within the configured period is refused, allowed after it', async () => {
    const { merchantId, holder } = await onboarded('吴五');
    assert.equal((await completeChange(harness, merchantId, holder, await card(holder))).state, 'active');
    const view = await harness.call(harness.client.getSettlementCard, { merchantId });
    assert.ok(view.nextChangeAllowedAtMs > BigInt(Date.now() + 29 * DAY_MS));
    const third = await card(holder);
    await refused(requestChange(merchantId, holder, third), 'CHANGE_COOLDOWN');
    harness.clock.offsetMs = 31 * DAY_MS;
    try {
      assert.equal((await requestChange(merchantId, holder, third)).state, 'identity_verified');
    } finally {
      harness.clock.offsetMs = 0;
    }
  });
});

describe('SMS code', () => {
  test('a wrong code is counted and refused; the last allowed wrong code fails the change', async () => {
    const { merchantId, holder } = await onboarded('郑六');
    const requested = await requestChange(merchantId, holder, await card(holder));
    const wrong = (await harness.latestSmsCode(holder.phone)) === '000000' ? '111111' : '000000';
    const confirm = (code: string) =>
      harness.call(harness.client.confirmSmsCode, { changeId: requested.changeId, code, actor: MERCHANT_ACTOR });
    await refused(confirm(wrong), 'SMS_CODE_WRONG');
    await refused(confirm(wrong), 'SMS_CODE_WRONG');
    const failed = await confirm(wrong);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.failureCode, 'SMS_ATTEMPTS_EXCEEDED');
    await refused(confirm(await harness.latestSmsCode(holder.phone)), 'CHANGE_NOT_AWAITING_SMS_CODE');
  });

  test('an expired code fails the change', async () => {
    const { merchantId, holder } = await onboarded('冯七');
    const requested = await requestChange(merchantId, holder, await card(holder));
    harness.clock.offsetMs = 5 * 60_000 + 1_000;
    try {
      const expired = await confirmSms(requested, holder);
      assert.equal(expired.state, 'failed');
      assert.equal(expired.failureCode, 'SMS_CODE_EXPIRED');
    } finally {
      harness.clock.offsetMs = 0;
    }
  });

  test('the agreement must be the current version', async () => {
    const { merchantId, holder } = await onboarded('陈八');
    const requested = await requestChange(merchantId, holder, await card(holder));
    await confirmSms(requested, holder);
    await refused(
      harness.call(harness.client.signAgreement, {
        changeId: requested.changeId,
        agreementVersion: 'SCA-OLD',
        actor: MERCHANT_ACTOR,
      }),
      'AGREEMENT_VERSION_OUTDATED',
    );
  });
});

describe('micro-deposit', () => {
  test('a wrong amount is refused; three wrong amounts fail the change and keep the old card', async () => {
    const { merchantId, holder, firstCard } = await onboarded('褚九');
    const newCard = await card(holder);
    const requested = await requestChange(merchantId, holder, newCard);
    await confirmSms(requested, holder);
    await sign(requested);
    const amountFen = await harness.microDepositFen(newCard);
    const wrongFen = amountFen === 99n ? 98n : amountFen + 1n;
    const confirm = () =>
      harness.call(harness.client.confirmCardVerification, {
        changeId: requested.changeId,
        amountFen: wrongFen,
        actor: MERCHANT_ACTOR,
      });
    await refused(confirm(), 'MICRO_DEPOSIT_AMOUNT_WRONG');
    await refused(confirm(), 'MICRO_DEPOSIT_AMOUNT_WRONG');
    const failed = await confirm();
    assert.equal(failed.failureCode, 'VERIFICATION_ATTEMPTS_EXCEEDED');
    const payoutCard = await harness.call(harness.client.getActiveSettlementCard, { merchantId, asOfMs: 0n });
    assert.equal(payoutCard.accountNumber, firstCard);
  });
});

describe('unbind and review', () => {
  test('a merchant cannot unbind its only card; an operator can, and payouts then find no card', async () => {
    const { merchantId } = await onboarded('卫十');
    await refused(
      harness.call(harness.client.unbindSettlementCard, {
        merchantId,
        reason: 'no longer used',
        actor: MERCHANT_ACTOR,
      }),
      'NO_OTHER_CARD',
    );
    const unbound = await harness.call(harness.client.unbindSettlementCard, {
      merchantId,
      reason: 'card reported stolen',
      actor: OPERATOR,
    });
    assert.equal(unbound.card?.status, 'unbound');
    await refused(
      harness.call(harness.client.getActiveSettlementCard, { merchantId, asOfMs: 0n }),
      'NO_SETTLEMENT_CARD',
    );
  });

  test('a card already paid to another merchant is held for review; the operator approves it', async () => {
    const first = await onboarded('蒋十一');
    // The same person opens a second shop, then asks to be paid for it to the first shop's card.
    const secondCard = await card(first.holder);
    const secondMerchantId = await harness.onboardMerchant(first.holder, secondCard);
    await harness.waitForActiveCard(secondMerchantId);
    const requested = await requestChange(secondMerchantId, first.holder, first.firstCard, {
      verificationMethod: 'zero_amount',
    });
    await confirmSms(requested, first.holder);
    const held = await sign(requested);
    assert.equal(held.state, 'under_review');
    assert.equal(held.reviewReason, 'CARD_ACTIVE_FOR_OTHER_MERCHANT');
    const waiting = await harness.call(harness.client.listCardChanges, {
      state: 'under_review',
      merchantId: '',
      limit: 50,
    });
    assert.ok(waiting.changes.some((change) => change.changeId === held.changeId));
    await refused(
      harness.call(harness.client.reviewCardChange, {
        changeId: held.changeId,
        decision: 'approve',
        reason: 'looks fine',
        actor: MERCHANT_ACTOR,
      }),
      'OPERATOR_ONLY',
    );
    const approved = await harness.call(harness.client.reviewCardChange, {
      changeId: held.changeId,
      decision: 'approve',
      reason: 'same person, two shops',
      actor: OPERATOR,
    });
    assert.equal(approved.state, 'active');
    const payoutCard = await harness.call(harness.client.getActiveSettlementCard, {
      merchantId: secondMerchantId,
      asOfMs: 0n,
    });
    assert.equal(payoutCard.accountNumber, first.firstCard);
  });
});

describe('payouts racing a change', () => {
  test('a payout started before the change completes keeps the old card; one started after gets the new', async () => {
    const { merchantId, holder, firstCard } = await onboarded('韩十二');
    const newCard = await card(holder);
    const requested = await requestChange(merchantId, holder, newCard);
    await confirmSms(requested, holder);
    await sign(requested);
    const amountFen = await harness.microDepositFen(newCard);
    // Settlement starts a payout: it records the instant and the card version it was given.
    const payoutStartedAtMs = BigInt(Date.now());
    const atStart = await harness.call(harness.client.getActiveSettlementCard, {
      merchantId,
      asOfMs: payoutStartedAtMs,
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [activated, readDuringActivation] = await Promise.all([
      harness.call(harness.client.confirmCardVerification, {
        changeId: requested.changeId,
        amountFen,
        actor: MERCHANT_ACTOR,
      }),
      harness.call(harness.client.getActiveSettlementCard, { merchantId, asOfMs: payoutStartedAtMs }),
    ]);
    assert.equal(activated.state, 'active');
    // The payout's retry after the change asks for the card of its start instant: still the old one.
    const retry = await harness.call(harness.client.getActiveSettlementCard, { merchantId, asOfMs: payoutStartedAtMs });
    for (const view of [atStart, readDuringActivation, retry]) {
      assert.equal(view.accountNumber, firstCard);
      assert.equal(view.cardVersion, 1n);
    }
    const nextPayout = await harness.call(harness.client.getActiveSettlementCard, { merchantId, asOfMs: 0n });
    assert.equal(nextPayout.accountNumber, newCard);
    assert.equal(nextPayout.cardVersion, 2n);
  });
});

describe('onboarding bind refused', () => {
  test('a credit card in the application is not bound; the merchant binds a debit card through the flow', async () => {
    const holder = harness.newPerson('杨十三');
    const creditCard = await card(holder, 'credit');
    const merchantId = await harness.onboardMerchant(holder, creditCard);
    const deadline = Date.now() + 15_000;
    let outcome = '';
    while (outcome === '' && Date.now() < deadline) {
      const rows = await harness.registry.pool.query<{ outcome: string }>(
        "SELECT outcome FROM card_registry_audit WHERE merchant_id = $1 AND action = 'onboarding_bind'",
        [merchantId],
      );
      outcome = rows.rows[0]?.outcome ?? '';
      if (outcome === '') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(outcome, 'CREDIT_CARD_REFUSED');
    await refused(harness.call(harness.client.getSettlementCard, { merchantId }), 'NO_SETTLEMENT_CARD');
    const debitCard = await card(holder);
    const bound = await completeChange(harness, merchantId, holder, debitCard);
    assert.equal(bound.kind, 'bind');
    assert.equal(bound.state, 'active');
    assert.equal(bound.t0SuspendedUntilMs, 0n, 'a first bind does not suspend T0');
    const view = await harness.call(harness.client.getSettlementCard, { merchantId });
    assert.equal(view.nextChangeAllowedAtMs, 0n, 'a first bind starts no cooldown');
  });
});

describe('card data at rest and in logs', () => {
  test('no clear card number in any table of the registry, in its events or in its logs', async () => {
    assert.ok(usedCardNumbers.length >= 10, 'the scenarios above used cards');
    const pool = harness.registry.pool;
    const tables = await pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [harness.schemas.registry],
    );
    const dumps: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await pool.query<{ row_text: string }>(`SELECT to_jsonb(t)::text AS row_text FROM "${table}" t`);
      dumps.push(...rows.rows.map((row) => row.row_text));
    }
    const payloads = await pool.query<{ payload: Buffer }>('SELECT payload FROM outbox');
    const logged = await pool.query<{ payload: Buffer }>(
      `SELECT payload FROM "${harness.schemas.bus}".event_log WHERE topic = 'card_registry.events'`,
    );
    assert.ok(payloads.rows.length > 0 && logged.rows.length > 0, 'events were written and published');
    const text = dumps.join('\n');
    const logs = harness.logLines.join('');
    assert.ok(logs.length > 0, 'the registry logged something');
    for (const pan of usedCardNumbers) {
      assert.ok(!text.includes(pan), 'no table holds a clear card number');
      assert.ok(!logs.includes(pan), 'no log line holds a clear card number');
      for (const { payload } of [...payloads.rows, ...logged.rows])
        assert.ok(!payload.includes(Buffer.from(pan)), 'no event carries a clear card number');
    }
    assert.ok(text.includes(`${usedCardNumbers[0]?.slice(0, 6)}*`), 'the masked form is what is stored');
  });
});
