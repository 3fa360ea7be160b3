// Goal: the merchant service's gRPC contract end to end on real Postgres: application -> review ->
// merchant -> terminal -> activation -> sign-in, and every refusal on the way, including the outbox events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unwrapSignInKeys } from '@acq/crypto';
import { ServiceError } from '@acq/grpc';
import type { Metadata } from '@grpc/grpc-js';
import { MerchantChanged, TerminalChanged } from '@acq/proto/merchant/v1/merchant.ts';
import { applicationRequest, type MerchantHarness, OPERATOR, startMerchantHarness } from './harness.ts';

let harness: MerchantHarness;

before(async () => {
  harness = await startMerchantHarness();
});
after(async () => {
  await harness.close();
});

/** The refusal with its fine-grained code (x-refusal-code) in place of the class code. */
async function refusalOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ServiceError);
    const metadata = (error.cause as { metadata?: Metadata }).metadata;
    const code = String(metadata?.get('x-refusal-code')[0] ?? error.code);
    return { code, classCode: error.code, message: error.message, responseCode: error.responseCode };
  }
  assert.fail('expected a refusal');
}

async function approvedMerchant(overrides: Record<string, unknown> = {}) {
  const client = harness.client;
  const application = await harness.call(client.submitApplication, applicationRequest(overrides));
  const approved = await harness.call(client.approveApplication, {
    applicationId: application.applicationId,
    actor: OPERATOR,
  });
  return approved;
}

async function activatedTerminal(merchantId: string, serialNumber: string) {
  const client = harness.client;
  const registered = await harness.call(client.registerTerminal, {
    merchantId,
    serialNumber,
    model: 'PAX A920',
    actor: OPERATOR,
  });
  const activated = await harness.call(client.activateTerminal, {
    serialNumber,
    activationCode: registered.activationCode,
  });
  return { registered, activated };
}

describe('onboarding', () => {
  it('walks an application through review to a merchant with a 15-digit number and the MCC fee plan', async () => {
    const client = harness.client;
    const submitted = await harness.call(client.submitApplication, applicationRequest({ mcc: '5411' }));
    assert.equal(submitted.status, 'submitted');
    assert.match(submitted.applicationId, /^mapp_[a-z2-7]{20}$/);
    assert.match(submitted.idNumberMasked, /^[0-9]{3}\*{11}[0-9X]{4}$/);
    assert.equal(submitted.settlementCardMasked, '622202*********0128');
    const reviewing = await harness.call(client.startApplicationReview, {
      applicationId: submitted.applicationId,
      actor: OPERATOR,
    });
    assert.equal(reviewing.status, 'under_review');
    const approved = await harness.call(client.approveApplication, {
      applicationId: submitted.applicationId,
      actor: OPERATOR,
    });
    assert.match(approved.merchantId, /^mch_/);
    assert.match(approved.merchantNumber, /^89858405411[0-9]{4}$/);
    assert.equal(approved.application?.status, 'approved');
    const merchant = await harness.call(client.getMerchant, { merchantId: approved.merchantId });
    assert.equal(merchant.status, 'active');
    assert.equal(merchant.feePlan?.category, 'discounted');
    assert.equal(merchant.feePlan?.debitRateUnits, 3800n);
    assert.equal(merchant.feePlanOverridden, false);
    const card = await harness.call(client.getRequestedSettlementCard, { merchantId: approved.merchantId });
    assert.equal(card.cardNumber, '6222021234567890128');
  });

  it('numbers merchants of one area and MCC in sequence', async () => {
    const first = await approvedMerchant({ areaCode: '1000', mcc: '7011' });
    const second = await approvedMerchant({ areaCode: '1000', mcc: '7011' });
    assert.equal(first.merchantNumber, '898100070110001');
    assert.equal(second.merchantNumber, '898100070110002');
  });

  it('refuses an invalid ID number, a duplicate open application and decisions on decided ones', async () => {
    const client = harness.client;
    const bad = await refusalOf(
      harness.call(client.submitApplication, applicationRequest({ idNumber: '110105194912310021' })),
    );
    assert.equal(bad.code, 'INVALID_ID_NUMBER');
    assert.match(bad.message, /check digit/);
    const request = applicationRequest();
    const first = await harness.call(client.submitApplication, request);
    const duplicate = await refusalOf(harness.call(client.submitApplication, request));
    assert.equal(duplicate.code, 'DUPLICATE_APPLICATION');
    const enterprise = await refusalOf(
      harness.call(client.submitApplication, applicationRequest({ merchantType: 'enterprise' })),
    );
    assert.equal(enterprise.code, 'INVALID_LICENCE_NUMBER');
    const rejected = await harness.call(client.rejectApplication, {
      applicationId: first.applicationId,
      reason: '营业场所照片不清晰',
      actor: OPERATOR,
    });
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.rejectionReason, '营业场所照片不清晰');
    const late = await refusalOf(
      harness.call(client.approveApplication, { applicationId: first.applicationId, actor: OPERATOR }),
    );
    assert.equal(late.code, 'APPLICATION_ALREADY_DECIDED');
    const noReason = await refusalOf(
      harness.call(client.rejectApplication, { applicationId: first.applicationId, reason: ' ', actor: OPERATOR }),
    );
    assert.equal(noReason.code, 'INVALID_REASON');
    // A rejected application no longer blocks a new one for the same person.
    const again = await harness.call(client.submitApplication, request);
    assert.equal(again.status, 'submitted');
    const missing = await refusalOf(
      harness.call(client.getApplication, { applicationId: 'mapp_aaaaaaaaaaaaaaaaaaaa' }),
    );
    assert.equal(missing.code, 'APPLICATION_NOT_FOUND');
  });

  it('refuses a second merchant for an enterprise licence that already has an open merchant', async () => {
    const client = harness.client;
    const licence = { merchantType: 'enterprise', businessLicenceNumber: '91350100M000100Y43' };
    const first = await approvedMerchant(licence);
    assert.match(first.merchantId, /^mch_/);
    const second = await harness.call(client.submitApplication, applicationRequest(licence));
    const refused = await refusalOf(
      harness.call(client.approveApplication, { applicationId: second.applicationId, actor: OPERATOR }),
    );
    assert.equal(refused.code, 'DUPLICATE_MERCHANT');
    assert.equal(refused.classCode, 'ALREADY_EXISTS');
    const stillOpen = await harness.call(client.getApplication, { applicationId: second.applicationId });
    assert.equal(stillOpen.status, 'submitted');
  });

  it('applies a fee plan override at approval and refuses one out of bounds', async () => {
    const client = harness.client;
    const application = await harness.call(client.submitApplication, applicationRequest());
    const plan = {
      category: 'standard',
      debitRateUnits: 5500n,
      debitCapFen: 2500n,
      creditRateUnits: 6000n,
      t0RateUnits: 0n,
      t0FixedFen: 300n,
    };
    const tooHigh = await refusalOf(
      harness.call(client.approveApplication, {
        applicationId: application.applicationId,
        actor: OPERATOR,
        feePlan: { ...plan, creditRateUnits: 60_000n },
      }),
    );
    assert.equal(tooHigh.code, 'INVALID_FEE_PLAN');
    const approved = await harness.call(client.approveApplication, {
      applicationId: application.applicationId,
      actor: OPERATOR,
      feePlan: plan,
    });
    const merchant = await harness.call(client.getMerchant, { merchantId: approved.merchantId });
    assert.equal(merchant.feePlanOverridden, true);
    assert.equal(merchant.feePlan?.t0FixedFen, 300n);
    assert.equal(merchant.feePlan?.t0SingleLimitFen, undefined, 'no T0 limits given: the platform default');
  });

  it('carries per-merchant T0 limits in the fee plan, set at approval and changed later, with an event', async () => {
    const client = harness.client;
    const application = await harness.call(client.submitApplication, applicationRequest());
    const plan = {
      category: 'standard',
      debitRateUnits: 6000n,
      debitCapFen: 2000n,
      creditRateUnits: 6000n,
      t0RateUnits: 400n,
      t0FixedFen: 0n,
      t0SingleLimitFen: 100_000n,
      t0DailyQuotaFen: 300_000n,
    };
    const approved = await harness.call(client.approveApplication, {
      applicationId: application.applicationId,
      actor: OPERATOR,
      feePlan: plan,
    });
    const merchantId = approved.merchantId;
    const atApproval = await harness.call(client.getMerchant, { merchantId });
    assert.equal(atApproval.feePlan?.t0SingleLimitFen, 100_000n);
    assert.equal(atApproval.feePlan?.t0DailyQuotaFen, 300_000n);
    const inverted = await refusalOf(
      harness.call(client.setMerchantFeePlan, {
        merchantId,
        feePlan: { ...plan, t0SingleLimitFen: 300_001n },
        actor: OPERATOR,
      }),
    );
    assert.equal(inverted.code, 'INVALID_FEE_PLAN');
    assert.match(inverted.message, /t0SingleLimitFen must not exceed t0DailyQuotaFen/);
    const changed = await harness.call(client.setMerchantFeePlan, {
      merchantId,
      feePlan: { ...plan, t0SingleLimitFen: 50_000n, t0DailyQuotaFen: undefined },
      actor: OPERATOR,
    });
    assert.equal(changed.feePlan?.t0SingleLimitFen, 50_000n);
    assert.equal(changed.feePlan?.t0DailyQuotaFen, undefined, 'the daily quota is back to the platform default');
    const rows = await harness.service.pool.query<{ payload: Buffer }>(
      'SELECT payload FROM outbox WHERE event_key = $1 ORDER BY position',
      [merchantId],
    );
    const feePlanChanges = rows.rows
      .map((row) => MerchantChanged.decode(row.payload))
      .filter((event) => event.change === 'fee_plan_changed');
    assert.equal(feePlanChanges.length, 1, 'settlement hears of the change and refetches the profile');
  });
});

describe('terminals', () => {
  it('activates once with the code, delivers a TMK whose working keys sign in, and serves the context', async () => {
    const client = harness.client;
    const merchant = await approvedMerchant();
    const { registered, activated } = await activatedTerminal(merchant.merchantId, 'SN-ACT-0001');
    assert.match(registered.terminal?.terminalId ?? '', /^[0-9]{8}$/);
    assert.match(registered.activationCode, /^[0-9]{8}$/);
    assert.equal(activated.terminalId, registered.terminal?.terminalId);
    assert.equal(activated.merchantId, merchant.merchantId);
    assert.match(activated.tmk, /^[0-9A-F]{32}$/);
    const second = await refusalOf(
      harness.call(client.activateTerminal, { serialNumber: 'SN-ACT-0001', activationCode: registered.activationCode }),
    );
    assert.equal(second.code, 'TERMINAL_ALREADY_ACTIVATED');

    const signedIn = await harness.call(client.signInTerminal, {
      terminalId: activated.terminalId,
      merchantNumberFromTerminal: merchant.merchantNumber,
      keyMode: '004',
      operatorNumber: '01',
    });
    const keys = unwrapSignInKeys(Buffer.from(activated.tmk, 'hex'), Buffer.from(signedIn.field62), '004');
    assert.equal(keys.mak.length, 8);
    assert.equal(keys.tdk?.length, 16);
    assert.equal(signedIn.batchNumber, '000001');
    const context = await harness.call(client.getTerminalContext, { terminalId: activated.terminalId });
    assert.equal(context.signedIn, true);
    assert.equal(context.merchantNumber, merchant.merchantNumber);
    assert.equal(context.terminalStatus, 'activated');
    assert.equal(context.merchantStatus, 'active');
    assert.match(context.makUnderMasterKey, /^[0-9A-F]+$/);
    assert.notEqual(context.tdkUnderMasterKey, '');
    assert.ok(context.boundAtMs > 0n);
    assert.equal(context.reboundAtMs, 0n);
    assert.ok(context.contextVersion >= (signedIn.context?.contextVersion ?? 0n));

    const batch = await harness.call(client.setTerminalBatch, {
      terminalId: activated.terminalId,
      batchNumber: '000002',
    });
    assert.equal(batch.context?.batchNumber, '000002');
    assert.ok((batch.context?.contextVersion ?? 0n) > context.contextVersion);
  });

  it('refuses wrong codes, locks after the attempt limit, and refuses an expired code', async () => {
    const client = harness.client;
    const merchant = await approvedMerchant();
    const registered = await harness.call(client.registerTerminal, {
      merchantId: merchant.merchantId,
      serialNumber: 'SN-WRONG-001',
      model: 'PAX A920',
      actor: OPERATOR,
    });
    const wrongCode = registered.activationCode === '12345678' ? '87654321' : '12345678';
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const wrong = await refusalOf(
        harness.call(client.activateTerminal, { serialNumber: 'SN-WRONG-001', activationCode: wrongCode }),
      );
      assert.equal(wrong.code, 'ACTIVATION_CODE_INVALID');
    }
    const locked = await refusalOf(
      harness.call(client.activateTerminal, {
        serialNumber: 'SN-WRONG-001',
        activationCode: registered.activationCode,
      }),
    );
    assert.equal(locked.code, 'ACTIVATION_ATTEMPTS_EXCEEDED');
    // Registering the same serial again for the same merchant re-issues a code with fresh attempts.
    const reissued = await harness.call(client.registerTerminal, {
      merchantId: merchant.merchantId,
      serialNumber: 'SN-WRONG-001',
      model: 'PAX A920',
      actor: OPERATOR,
    });
    assert.equal(reissued.terminal?.terminalId, registered.terminal?.terminalId);
    harness.clock.offsetMs = 3_600_000;
    try {
      const expired = await refusalOf(
        harness.call(client.activateTerminal, {
          serialNumber: 'SN-WRONG-001',
          activationCode: reissued.activationCode,
        }),
      );
      assert.equal(expired.code, 'ACTIVATION_CODE_EXPIRED');
    } finally {
      harness.clock.offsetMs = 0;
    }
    const unknown = await refusalOf(
      harness.call(client.activateTerminal, { serialNumber: 'SN-NOPE-001', activationCode: '12345678' }),
    );
    assert.equal(unknown.code, 'TERMINAL_NOT_FOUND');
  });

  it('refuses sign-in with the field-39 code: unknown 97, not activated 97, frozen merchant 03, other merchant number 03', async () => {
    const client = harness.client;
    const merchant = await approvedMerchant();
    const unknown = await refusalOf(
      harness.call(client.signInTerminal, {
        terminalId: '99999999',
        merchantNumberFromTerminal: '',
        keyMode: '003',
        operatorNumber: '',
      }),
    );
    assert.equal(unknown.responseCode, '97');
    assert.equal(unknown.classCode, 'NOT_FOUND');
    const registered = await harness.call(client.registerTerminal, {
      merchantId: merchant.merchantId,
      serialNumber: 'SN-SIGN-0001',
      model: 'PAX A920',
      actor: OPERATOR,
    });
    const terminalId = registered.terminal?.terminalId ?? '';
    const notActivated = await refusalOf(
      harness.call(client.signInTerminal, {
        terminalId,
        merchantNumberFromTerminal: '',
        keyMode: '003',
        operatorNumber: '',
      }),
    );
    assert.equal(notActivated.code, 'TERMINAL_NOT_ACTIVATED');
    assert.equal(notActivated.responseCode, '97');
    await harness.call(client.activateTerminal, {
      serialNumber: 'SN-SIGN-0001',
      activationCode: registered.activationCode,
    });
    const jumped = await refusalOf(
      harness.call(client.signInTerminal, {
        terminalId,
        merchantNumberFromTerminal: '898584058129999',
        keyMode: '003',
        operatorNumber: '',
      }),
    );
    assert.equal(jumped.code, 'MERCHANT_NUMBER_MISMATCH');
    assert.equal(jumped.responseCode, '03');
    await harness.call(client.setMerchantStatus, {
      merchantId: merchant.merchantId,
      status: 'frozen',
      reason: '风险排查',
      actor: OPERATOR,
    });
    const frozen = await refusalOf(
      harness.call(client.signInTerminal, {
        terminalId,
        merchantNumberFromTerminal: '',
        keyMode: '003',
        operatorNumber: '',
      }),
    );
    assert.equal(frozen.code, 'MERCHANT_NOT_ACTIVE');
    assert.equal(frozen.responseCode, '03');
    assert.equal(frozen.classCode, 'FAILED_PRECONDITION');
    const newTerminal = await refusalOf(
      harness.call(client.registerTerminal, {
        merchantId: merchant.merchantId,
        serialNumber: 'SN-SIGN-0002',
        model: 'PAX',
        actor: OPERATOR,
      }),
    );
    assert.equal(newTerminal.code, 'MERCHANT_NOT_ACTIVE');
  });

  it('freezes a terminal (sign-in 58), keeps location reports, signs off, and unfreezes', async () => {
    const client = harness.client;
    const merchant = await approvedMerchant();
    const { activated } = await activatedTerminal(merchant.merchantId, 'SN-FREEZE-01');
    const terminalId = activated.terminalId;
    const frozen = await harness.call(client.setTerminalStatus, {
      terminalId,
      status: 'frozen',
      reason: '异地使用',
      actor: OPERATOR,
    });
    assert.equal(frozen.status, 'frozen');
    const refused = await refusalOf(
      harness.call(client.signInTerminal, {
        terminalId,
        merchantNumberFromTerminal: '',
        keyMode: '003',
        operatorNumber: '',
      }),
    );
    assert.equal(refused.responseCode, '58');
    const located = await harness.call(client.reportTerminalLocation, {
      terminalId,
      location: { latitudeE6: 31_230_416, longitudeE6: 121_473_701, areaCode: '2900', reportedAtMs: 0n },
    });
    const context = await harness.call(client.getTerminalContext, { terminalId });
    assert.equal(context.location?.areaCode, '2900');
    assert.equal(context.contextVersion, located.contextVersion);
    const badLocation = await refusalOf(
      harness.call(client.reportTerminalLocation, {
        terminalId,
        location: { latitudeE6: 90_000_001, longitudeE6: 0, areaCode: '', reportedAtMs: 0n },
      }),
    );
    assert.equal(badLocation.code, 'INVALID_LOCATION');
    const notAllowed = await refusalOf(
      harness.call(client.setTerminalStatus, { terminalId, status: 'frozen', reason: 'again', actor: OPERATOR }),
    );
    assert.equal(notAllowed.code, 'TERMINAL_STATUS_CHANGE_NOT_ALLOWED');
    await harness.call(client.setTerminalStatus, {
      terminalId,
      status: 'activated',
      reason: '核实无误',
      actor: OPERATOR,
    });
    await harness.call(client.signInTerminal, {
      terminalId,
      merchantNumberFromTerminal: '',
      keyMode: '001',
      operatorNumber: '',
    });
    const signedOff = await harness.call(client.signOffTerminal, { terminalId });
    assert.equal(signedOff.context?.signedIn, false);
    const badBatch = await refusalOf(harness.call(client.setTerminalBatch, { terminalId, batchNumber: '000000' }));
    assert.equal(badBatch.code, 'INVALID_BATCH_NUMBER');
    const noActor = await refusalOf(
      harness.call(client.setTerminalStatus, { terminalId, status: 'frozen', reason: 'x' }),
    );
    assert.equal(noActor.code, 'ACTOR_REQUIRED');
  });

  it('re-binds a terminal to another merchant only through a new activation, recording rebound_at', async () => {
    const client = harness.client;
    const first = await approvedMerchant();
    const second = await approvedMerchant();
    const { activated } = await activatedTerminal(first.merchantId, 'SN-REBIND-01');
    const taken = await refusalOf(
      harness.call(client.registerTerminal, {
        merchantId: second.merchantId,
        serialNumber: 'SN-REBIND-01',
        model: 'PAX',
        actor: OPERATOR,
      }),
    );
    assert.equal(taken.code, 'SERIAL_NUMBER_TAKEN');
    const rebound = await harness.call(client.rebindTerminal, {
      terminalId: activated.terminalId,
      targetMerchantId: second.merchantId,
      reason: '商户转让设备',
      actor: OPERATOR,
    });
    assert.equal(rebound.terminal?.status, 'registered');
    assert.equal(rebound.terminal?.merchantId, second.merchantId);
    const cannotSignIn = await refusalOf(
      harness.call(client.signInTerminal, {
        terminalId: activated.terminalId,
        merchantNumberFromTerminal: '',
        keyMode: '003',
        operatorNumber: '',
      }),
    );
    assert.equal(cannotSignIn.responseCode, '97');
    const again = await harness.call(client.activateTerminal, {
      serialNumber: 'SN-REBIND-01',
      activationCode: rebound.activationCode,
    });
    assert.equal(again.merchantId, second.merchantId);
    assert.notEqual(again.tmk, activated.tmk);
    const context = await harness.call(client.getTerminalContext, { terminalId: activated.terminalId });
    assert.ok(context.reboundAtMs > 0n);
    assert.equal(context.merchantNumber, second.merchantNumber);
  });

  it('writes MerchantChanged and TerminalChanged events to the outbox keyed by merchant', async () => {
    const merchant = await approvedMerchant();
    const { activated } = await activatedTerminal(merchant.merchantId, 'SN-EVENT-01');
    const rows = await harness.service.pool.query<{ event_type: string; event_key: string; payload: Buffer }>(
      'SELECT event_type, event_key, payload FROM outbox WHERE event_key = $1 ORDER BY position',
      [merchant.merchantId],
    );
    assert.deepEqual(
      rows.rows.map((row) => row.event_type),
      [
        'acquirer.merchant.v1.MerchantChanged',
        'acquirer.merchant.v1.TerminalChanged',
        'acquirer.merchant.v1.TerminalChanged',
      ],
    );
    const created = MerchantChanged.decode(rows.rows[0]?.payload ?? Buffer.alloc(0));
    assert.equal(created.change, 'created');
    assert.equal(created.merchantNumber, merchant.merchantNumber);
    const activatedEvent = TerminalChanged.decode(rows.rows[2]?.payload ?? Buffer.alloc(0));
    assert.equal(activatedEvent.change, 'activated');
    assert.equal(activatedEvent.terminalId, activated.terminalId);
    assert.ok(activatedEvent.contextVersion > created.contextVersion);
  });
});

describe('T0 and QR codes', () => {
  it('enables T0 through an application and its approval, and refuses a second open application', async () => {
    const client = harness.client;
    const merchant = await approvedMerchant();
    const application = await harness.call(client.submitT0Application, {
      merchantId: merchant.merchantId,
      actor: { subject: merchant.merchantId, role: 'merchant' },
    });
    assert.equal(application.status, 'submitted');
    const duplicate = await refusalOf(
      harness.call(client.submitT0Application, { merchantId: merchant.merchantId, actor: OPERATOR }),
    );
    assert.equal(duplicate.code, 'DUPLICATE_T0_APPLICATION');
    const approved = await harness.call(client.approveT0Application, {
      t0ApplicationId: application.t0ApplicationId,
      actor: OPERATOR,
    });
    assert.equal(approved.status, 'approved');
    const updated = await harness.call(client.getMerchant, { merchantId: merchant.merchantId });
    assert.equal(updated.t0Enabled, true);
    const already = await refusalOf(
      harness.call(client.submitT0Application, { merchantId: merchant.merchantId, actor: OPERATOR }),
    );
    assert.equal(already.code, 'T0_ALREADY_ENABLED');
  });

  it('creates static and dynamic codes; a dynamic one resolves once and expires', async () => {
    const client = harness.client;
    const merchant = await approvedMerchant();
    const actor = { subject: merchant.merchantId, role: 'merchant' };
    const staticCode = await harness.call(client.createQrCode, {
      merchantId: merchant.merchantId,
      kind: 'static',
      amountFen: 0n,
      timeToLiveMs: 0n,
      description: '',
      actor,
    });
    assert.match(staticCode.content, /^https:\/\/qr\.test\/q\/[A-Za-z0-9_-]{22}$/);
    const dynamic = await harness.call(client.createQrCode, {
      merchantId: merchant.merchantId,
      kind: 'dynamic',
      amountFen: 1250n,
      timeToLiveMs: 60_000n,
      description: '午餐',
      actor,
    });
    assert.equal(dynamic.amountFen, 1250n);
    const resolved = await harness.call(client.resolveQrCode, { content: dynamic.content, consume: true });
    assert.equal(resolved.merchantNumber, merchant.merchantNumber);
    assert.equal(resolved.qrCode?.status, 'used');
    const reused = await refusalOf(harness.call(client.resolveQrCode, { content: dynamic.content, consume: true }));
    assert.equal(reused.code, 'QR_CODE_NOT_ACTIVE');
    const noAmount = await refusalOf(
      harness.call(client.createQrCode, {
        merchantId: merchant.merchantId,
        kind: 'dynamic',
        amountFen: 0n,
        timeToLiveMs: 0n,
        description: '',
        actor,
      }),
    );
    assert.equal(noAmount.code, 'INVALID_AMOUNT');
    const staticAgain = await harness.call(client.resolveQrCode, { content: staticCode.content, consume: true });
    assert.equal(staticAgain.qrCode?.status, 'active');
    const revoked = await harness.call(client.revokeQrCode, {
      qrCodeId: staticCode.qrCodeId,
      merchantId: merchant.merchantId,
      actor,
    });
    assert.equal(revoked.status, 'revoked');
    const expiring = await harness.call(client.createQrCode, {
      merchantId: merchant.merchantId,
      kind: 'dynamic',
      amountFen: 100n,
      timeToLiveMs: 1_000n,
      description: '',
      actor,
    });
    harness.clock.offsetMs = 1_000;
    try {
      const expired = await refusalOf(
        harness.call(client.resolveQrCode, { content: expiring.content, consume: false }),
      );
      assert.match(expired.message, /expired/);
    } finally {
      harness.clock.offsetMs = 0;
    }
  });
});
