// Goal: the risk service end to end over gRPC — a forged merchant number is declined and recorded
// as a case, a scripted cash-out pattern opens a case the operator API lists and decides, T0
// suspension and blacklists take effect at once; method: the real app (gRPC server, Postgres schema,
// Redis prefix, pattern monitor) started in-process, called through the generated client.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { AuthorizationEvent, CardKind, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { buildEvent, createPostgresLogPublisher } from '@acq/bus';
import { RiskAlert, RiskCaseEvent } from '@acq/proto/risk/v1/events.ts';
import { shanghaiDayKey } from '../src/domain/limit-plan.ts';
import {
  type AssessRequest,
  type AssessResponse,
  type BlacklistEntry,
  BlacklistKind,
  type ConfirmRequest,
  type ConfirmResponse,
  type DecideCaseRequest,
  type DeleteBlacklistEntryRequest,
  type DeleteBlacklistEntryResponse,
  type GetT0StatusRequest,
  type GetT0StatusResponse,
  type ListCasesRequest,
  type ListCasesResponse,
  type PutBlacklistEntryRequest,
  type ReleaseRequest,
  type ReleaseResponse,
  type SettleReservationsRequest,
  type SettleReservationsResponse,
  type RiskCase,
  CaseAction,
  CaseStatus,
  Decision,
  EntryMode,
  FeeCategory,
  MerchantStatus,
  MerchantType,
  ReleaseReason,
  RiskServiceClient,
  TerminalStatus,
} from '@acq/proto/risk/v1/risk.ts';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import pg from 'pg';
import { defaultRiskPolicy } from '../src/domain/policy.ts';
import { type RiskApp, startRiskApp } from '../src/risk-app.ts';
import { deleteKeysWithPrefix, REDIS_URL, uniquePrefix } from './fixtures.ts';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `risk_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const busSchema = `risk_test_bus_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const prefix = uniquePrefix();
const merchantId = `mch_${randomUUID()}`;
let app: RiskApp;
let client: RiskServiceClient;
const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

function unaryCall<Response>(
  invoke: (callback: (error: ServiceError | null, response: Response) => void) => unknown,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    invoke((error, response) => (error === null ? resolve(response) : reject(error)));
  });
}

const rpc = {
  assessOnce: (request: AssessRequest) => unaryCall<AssessResponse>((done) => client.assessOnce(request, done)),
  listCases: (request: ListCasesRequest) => unaryCall<ListCasesResponse>((done) => client.listCases(request, done)),
  decideCase: (request: DecideCaseRequest) => unaryCall<RiskCase>((done) => client.decideCase(request, done)),
  getT0Status: (request: GetT0StatusRequest) =>
    unaryCall<GetT0StatusResponse>((done) => client.getT0Status(request, done)),
  putBlacklistEntry: (request: PutBlacklistEntryRequest) =>
    unaryCall<BlacklistEntry>((done) => client.putBlacklistEntry(request, done)),
  deleteBlacklistEntry: (request: DeleteBlacklistEntryRequest) =>
    unaryCall<DeleteBlacklistEntryResponse>((done) => client.deleteBlacklistEntry(request, done)),
  confirm: (request: ConfirmRequest) => unaryCall<ConfirmResponse>((done) => client.confirm(request, done)),
  release: (request: ReleaseRequest) => unaryCall<ReleaseResponse>((done) => client.release(request, done)),
  settleReservations: (request: SettleReservationsRequest) =>
    unaryCall<SettleReservationsResponse>((done) => client.settleReservations(request, done)),
};

function assessRequest(overrides: Partial<AssessRequest> = {}): AssessRequest {
  return {
    correlationId: randomUUID(),
    deadlineMs: 200,
    txnId: `auth_${randomUUID()}`,
    kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
    terminal: {
      terminalId: 'T7000001',
      merchantId,
      merchantNumber: '898581054110007',
      mcc: '5411',
      areaCode: '5810',
      merchantType: MerchantType.MERCHANT_TYPE_INDIVIDUAL,
      merchantStatus: MerchantStatus.MERCHANT_STATUS_ACTIVE,
      terminalStatus: TerminalStatus.TERMINAL_STATUS_ACTIVATED,
      boundAtMs: BigInt(Date.now() - 90 * 86_400_000),
      reboundAtMs: 0n,
      t0Enabled: true,
      feeCategory: FeeCategory.FEE_CATEGORY_DISCOUNTED,
      registeredLocation: undefined,
      contextVersion: 1n,
    },
    cardToken: `tok_${randomUUID()}`,
    cardKind: CardKind.CARD_KIND_CREDIT,
    amountFen: 10_000n,
    entryMode: EntryMode.ENTRY_MODE_CONTACT_IC,
    pinPresent: true,
    merchantNumberFromTerminal: '898581054110007',
    reportedLocation: undefined,
    occurredAtMs: BigInt(Date.now()),
    ...overrides,
  };
}

async function eventsOfType(type: string): Promise<Uint8Array[]> {
  const result = await admin.query<{ payload: Buffer }>(
    `SELECT payload FROM ${schema}.outbox WHERE event_type = $1 ORDER BY occurred_at`,
    [type],
  );
  return result.rows.map((row) => new Uint8Array(row.payload));
}

before(async () => {
  app = await startRiskApp({
    databaseUrl: DATABASE_URL,
    schema,
    redisUrl: REDIS_URL,
    redisKeyPrefix: prefix,
    redisCommandTimeoutMs: 50,
    grpcPort: 0,
    policy: defaultRiskPolicy(),
    logger: { warn: () => {}, error: (object) => assert.fail(`background error ${JSON.stringify(object)}`) },
    observeAssess: () => {},
    busEnv: {},
    busSchema,
  });
  client = new RiskServiceClient(`127.0.0.1:${app.grpcPort}`, credentials.createInsecure());
});

after(async () => {
  client.close();
  await app.stop(1_000);
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS ${busSchema} CASCADE`);
  await admin.end();
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('跳码: forged merchant number', () => {
  it('declines with 03, records an alert and opens a case the operator API lists', async () => {
    const forged = assessRequest({ merchantNumberFromTerminal: '898581058120007' });
    const response = await rpc.assessOnce(forged);
    assert.equal(response.decision, Decision.DECISION_DECLINE);
    assert.equal(response.responseCode, '03');
    assert.equal(response.correlationId, forged.correlationId);
    assert.deepEqual(
      response.firedRules.map((rule) => rule.rule),
      ['code_jump.mcc'],
    );
    assert.equal(response.reservationId, '');
    await app.monitor.idle();
    const listed = await rpc.listCases({
      status: CaseStatus.CASE_STATUS_OPEN,
      merchantId,
      pageSize: 10,
      pageToken: '',
    });
    const jumpCase = listed.cases.find((riskCase) => riskCase.rule === 'code_jump.mcc');
    assert.ok(jumpCase, 'a code-jump case is open');
    assert.deepEqual(jumpCase.txnIds, [forged.txnId]);
    const alerts = (await eventsOfType('risk.alert')).map((payload) => RiskAlert.decode(payload));
    assert.ok(alerts.some((alert) => alert.rule === 'code_jump.mcc' && alert.caseId === jumpCase.caseId));
  });
});

describe('operator decisions', () => {
  it('freezing the merchant of a case stops its transactions at once and tells the merchant service', async () => {
    const frozenMerchant = otherMerchantRequest();
    const merchantOfCase = frozenMerchant.terminal?.merchantId ?? '';
    frozenMerchant.merchantNumberFromTerminal = '898581054110099';
    const jump = await rpc.assessOnce(frozenMerchant);
    assert.equal(jump.responseCode, '03');
    await app.monitor.idle();
    const listed = await rpc.listCases({
      status: CaseStatus.CASE_STATUS_OPEN,
      merchantId: merchantOfCase,
      pageSize: 10,
      pageToken: '',
    });
    const jumpCase = listed.cases[0];
    assert.ok(jumpCase !== undefined && jumpCase.rule === 'code_jump.merchant_number');
    const decided = await rpc.decideCase({
      caseId: jumpCase.caseId,
      action: CaseAction.CASE_ACTION_FREEZE_MERCHANT,
      operatorId: 'op_alice',
      note: 'forged merchant numbers',
    });
    assert.equal(decided.status, CaseStatus.CASE_STATUS_MERCHANT_FROZEN);
    assert.equal(decided.decidedBy, 'op_alice');
    const next = assessRequest({ terminal: frozenMerchant.terminal });
    const blocked = await rpc.assessOnce(next);
    assert.equal(blocked.responseCode, '03');
    assert.ok(blocked.firedRules.some((rule) => rule.rule === 'blacklist.merchant'));
    const decidedEvents = (await eventsOfType('risk.case.decided')).map((payload) => RiskCaseEvent.decode(payload));
    assert.ok(
      decidedEvents.some(
        (event) =>
          event.riskCase?.caseId === jumpCase.caseId && event.action === CaseAction.CASE_ACTION_FREEZE_MERCHANT,
      ),
    );
    const remaining = await rpc.listCases({
      status: CaseStatus.CASE_STATUS_OPEN,
      merchantId: merchantOfCase,
      pageSize: 10,
      pageToken: '',
    });
    assert.equal(remaining.cases.length, 0);
    await assert.rejects(
      rpc.listCases({ status: 0, merchantId: '', pageSize: 10, pageToken: 'nonsense' }),
      /invalid page token/,
    );
  });
});

describe('cash-out pattern', () => {
  it('opens a case for repeated just-under-limit amounts; suspending T0 takes effect at once', async () => {
    // 999 CNY tapped without PIN, again and again: just under the 1,000 CNY no-CVM limit.
    const justUnder = defaultRiskPolicy().limits.contactlessNoPinAmountFen - 100n;
    const stream = client.assess();
    const answers = new Map<string, AssessResponse>();
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (answer: AssessResponse) => answers.set(answer.correlationId, answer));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const requests = [0, 1, 2].map(() =>
      assessRequest({ amountFen: justUnder, entryMode: EntryMode.ENTRY_MODE_CONTACTLESS, pinPresent: false }),
    );
    for (const request of requests) stream.write(request);
    stream.end();
    await done;
    for (const request of requests) {
      const answer = answers.get(request.correlationId);
      assert.equal(answer?.decision, Decision.DECISION_APPROVE, JSON.stringify(answer?.firedRules));
    }
    await app.monitor.idle();
    const listed = await rpc.listCases({
      status: CaseStatus.CASE_STATUS_OPEN,
      merchantId,
      pageSize: 10,
      pageToken: '',
    });
    const cashOut = listed.cases.find((riskCase) => riskCase.rule === 'pattern.just_under_limit');
    assert.ok(cashOut, 'the cash-out pattern opened a case');
    const opened = (await eventsOfType('risk.case.opened')).map((payload) => RiskCaseEvent.decode(payload));
    assert.ok(opened.some((event) => event.riskCase?.caseId === cashOut.caseId));

    const watched = await rpc.assessOnce(assessRequest());
    assert.equal(watched.decision, Decision.DECISION_APPROVE_AND_FLAG);
    assert.ok(watched.firedRules.some((rule) => rule.rule === 'pattern.watch.merchant'));
    assert.equal(watched.t0Eligible, true);

    const decided = await rpc.decideCase({
      caseId: cashOut.caseId,
      action: CaseAction.CASE_ACTION_SUSPEND_T0,
      operatorId: 'op_alice',
      note: 'cash-out suspected',
    });
    assert.equal(decided.status, CaseStatus.CASE_STATUS_T0_SUSPENDED);
    const status = await rpc.getT0Status({ merchantId });
    assert.equal(status.suspended, true);
    assert.equal(status.caseId, cashOut.caseId);
    const afterSuspension = await rpc.assessOnce(assessRequest());
    assert.equal(afterSuspension.t0Eligible, false);
    assert.equal((await eventsOfType('risk.t0.suspension')).length, 1);

    await assert.rejects(
      rpc.decideCase({
        caseId: cashOut.caseId,
        action: CaseAction.CASE_ACTION_DISMISS,
        operatorId: 'op_bob',
        note: '',
      }),
      /already t0_suspended/,
    );
  });
});

function otherMerchantRequest(): AssessRequest {
  const request = assessRequest();
  assert.ok(request.terminal !== undefined);
  request.terminal.merchantId = `mch_${randomUUID()}`;
  return request;
}

describe('operator blacklist and reservations over gRPC', () => {
  it('blacklisting a card declines it with 14 at once; removing it lets it through', async () => {
    const cardToken = `tok_${randomUUID()}`;
    await rpc.putBlacklistEntry({
      kind: BlacklistKind.BLACKLIST_KIND_CARD,
      value: cardToken,
      reason: 'stolen',
      operatorId: 'op_alice',
    });
    const declined = await rpc.assessOnce(assessRequest({ cardToken, merchantNumberFromTerminal: '' }));
    assert.equal(declined.responseCode, '14');
    const removed = await rpc.deleteBlacklistEntry({
      kind: BlacklistKind.BLACKLIST_KIND_CARD,
      value: cardToken,
      operatorId: 'op_alice',
    });
    assert.equal(removed.deleted, true);
    const again = await rpc.assessOnce(assessRequest({ cardToken }));
    assert.notEqual(again.decision, Decision.DECISION_DECLINE);
  });

  it('confirms and releases reservations idempotently and refuses bad input', async () => {
    const approved = await rpc.assessOnce(otherMerchantRequest());
    assert.ok(approved.reservationId.startsWith('rsv_'));
    assert.equal((await rpc.confirm({ reservationId: approved.reservationId, txnId: '' })).confirmed, true);
    const release = { reservationId: approved.reservationId, reason: ReleaseReason.RELEASE_REASON_REVERSED };
    assert.equal((await rpc.release(release)).released, true);
    assert.equal((await rpc.release(release)).released, false);
    await assert.rejects(
      rpc.release({ reservationId: approved.reservationId, reason: ReleaseReason.RELEASE_REASON_UNSPECIFIED }),
      /release reason/,
    );
    const malformed = await rpc.assessOnce(assessRequest({ terminal: undefined }));
    assert.equal(malformed.responseCode, '30');
  });

  it('settles many reservations in one call: confirms, releases, repeats and unknown ids counted apart', async () => {
    const kept = await rpc.assessOnce(otherMerchantRequest());
    const reversed = await rpc.assessOnce(otherMerchantRequest());
    const declined = await rpc.assessOnce(otherMerchantRequest());
    const reason = ReleaseReason.RELEASE_REASON_DECLINED_UPSTREAM;
    const settled = await rpc.settleReservations({
      confirms: [kept, reversed].map((answer) => ({ reservationId: answer.reservationId, txnId: '' })),
      // The reversal of an approval confirmed earlier in the same call releases it (order is kept).
      releases: [reversed, declined, declined].map((answer) => ({ reservationId: answer.reservationId, reason })),
    });
    assert.deepEqual(settled, { confirmedCount: 2, releasedCount: 2 });
    const again = await rpc.settleReservations({
      confirms: [{ reservationId: 'rsv_unknown', txnId: '' }],
      releases: [{ reservationId: declined.reservationId, reason }],
    });
    assert.deepEqual(again, { confirmedCount: 0, releasedCount: 0 });
    assert.equal((await rpc.release({ reservationId: kept.reservationId, reason })).released, true);
    await assert.rejects(
      rpc.settleReservations({
        confirms: [],
        releases: [{ reservationId: kept.reservationId, reason: ReleaseReason.RELEASE_REASON_UNSPECIFIED }],
      }),
      /release reason/,
    );
    const tooMany = Array.from({ length: 1_001 }, (_unused, index) => ({ reservationId: `rsv_${index}`, txnId: '' }));
    await assert.rejects(rpc.settleReservations({ confirms: tooMany, releases: [] }), /at most 1000/);
  });
});

describe('authorization events (bus)', () => {
  it('releases the counters of an approval reversed by an event when no Release call came', async () => {
    const isolatedMerchant = otherMerchantRequest();
    const approved = await rpc.assessOnce(isolatedMerchant);
    assert.ok(approved.reservationId.startsWith('rsv_'));
    const merchantOfRequest = isolatedMerchant.terminal?.merchantId ?? '';
    const dayKey = `m:${merchantOfRequest}:d:${shanghaiDayKey(Date.now())}`;
    const counters = app.counters;
    assert.equal((await counters.readCounter(dayKey)).count, 1);
    const publisher = createPostgresLogPublisher({ pool: admin, busSchema });
    const reversal = AuthorizationEvent.encode(
      AuthorizationEvent.fromPartial({
        type: TransactionEventType.TRANSACTION_EVENT_TYPE_REVERSED,
        txnId: `rev_${randomUUID()}`,
        originalTxnId: isolatedMerchant.txnId,
        merchantId: merchantOfRequest,
      }),
    ).finish();
    await publisher.publish([
      buildEvent({
        topic: 'authorization.events',
        key: merchantOfRequest,
        type: 'authorization.reversed',
        payload: reversal,
      }),
    ]);
    const deadline = Date.now() + 15_000;
    while ((await counters.readCounter(dayKey)).count !== 0) {
      assert.ok(Date.now() < deadline, 'the reversal event released the counters in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(
      (await rpc.release({ reservationId: approved.reservationId, reason: ReleaseReason.RELEASE_REASON_REVERSED }))
        .released,
      false,
    );
  });
});
