// Goal: the connector multiplexes, times out, reverses, survives link faults and drains its store-and-forward queue; method: a real TCP fake network built with @acq/iso8583 and a real Postgres schema holding the SAF table.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { cupNetworkSpec as networkSpec } from '@acq/iso8583';
import { SoftwareHsm } from '@acq/crypto';
import { fen } from '@acq/money';
import { networkMacFromHsm } from './network-codec.ts';
import { NETWORK_FIELD, textField } from './network-message.ts';
import { FakeNetwork } from './testing/fake-network.ts';

import { createSafDatabase, eventually, type SafDatabase, safRows } from './testing/saf-database.ts';
import {
  type RecordingMeter,
  recordingLogger,
  recordingMeter,
  sampleRequest,
  TEST_PAN,
} from './testing/test-doubles.ts';
import type { UpstreamLimits } from './limits.ts';
import {
  createUpstreamConnector,
  type UpstreamConnector,
  type UpstreamConnectorOptions,
} from './upstream-connector.ts';

const FAST_LIMITS: Partial<UpstreamLimits> = {
  reconnectBackoffMsMin: 20,
  reconnectBackoffMsMax: 200,
  safPollIntervalMs: 50,
  safRetryIntervalMs: 20,
  safLeaseRetryMs: 100,
  safMetricsIntervalMs: 0,
};

describe('upstream connector', () => {
  let db: SafDatabase;
  let network: FakeNetwork;
  let logger: ReturnType<typeof recordingLogger>;
  let meter: RecordingMeter;
  const connectors: UpstreamConnector[] = [];

  function connect(overrides: Partial<UpstreamConnectorOptions> = {}): UpstreamConnector {
    const connector = createUpstreamConnector({
      address: overrides.address ?? network.address,
      spec: networkSpec,
      acquirerInstitutionId: '48020000',
      pool: { connectionCountMax: 2 },
      sql: db.sql,
      schema: db.schema,
      logger,
      meter,
      ...overrides,
      limits: { ...FAST_LIMITS, ...overrides.limits },
    });
    connectors.push(connector);
    return connector;
  }

  async function connectReady(overrides: Partial<UpstreamConnectorOptions> = {}): Promise<UpstreamConnector> {
    const connector = connect(overrides);
    await eventually(
      'all links signed on',
      5_000,
      () => connector.stats().connectionsReady === connector.stats().connectionsTotal,
    );
    return connector;
  }

  before(async () => {
    db = await createSafDatabase();
  });

  after(async () => {
    await db.database.close();
  });

  beforeEach(async () => {
    await db.sql.query('TRUNCATE upstream_saf_items');
    network = await FakeNetwork.start(networkSpec);
    logger = recordingLogger();
    meter = recordingMeter();
  });

  afterEach(async () => {
    for (const connector of connectors.splice(0)) await connector.close();
    await network.close();
    assert.equal(logger.text().includes(TEST_PAN), false, 'no PAN in any log line');
  });

  it('signs on every link and multiplexes 1,000 concurrent requests over 2 links, each to its own answer', async () => {
    const connector = await connectReady();
    assert.deepEqual(
      network.receivedWithMti('0800').map((message) => textField(message, NETWORK_FIELD.networkManagementCode)),
      ['001', '001'],
    );
    const perLink = [0, 0];
    network.behaviour = (message, linkIndex) => {
      perLink[linkIndex] = (perLink[linkIndex] ?? 0) + 1;
      // Answer out of order, and carry a value derived from the request so a mix-up would show.
      const amount = textField(message, NETWORK_FIELD.amount) ?? '';
      return { kind: 'reply', delayMs: (Number(amount) * 7) % 23, extraFields: new Map([[38, amount.slice(6)]]) };
    };
    const requests = Array.from({ length: 1_000 }, (_, index) =>
      sampleRequest({ amountFen: fen(BigInt(100_000 + index)) }),
    );
    const results = await Promise.all(requests.map((request) => connector.send(request, { timeoutMs: 10_000 })));
    for (const [index, result] of results.entries()) {
      assert.equal(result.outcome, 'approved');
      assert.equal(result.authCode, (100_000 + index).toString().padStart(12, '0').slice(6));
    }
    assert.equal(new Set(results.map((result) => result.networkStan)).size, 1_000, 'network STANs are unique');
    assert.ok((perLink[0] ?? 0) > 100 && (perLink[1] ?? 0) > 100, `both links carry traffic: ${perLink.join('/')}`);
    assert.equal(connector.stats().approved, 1_000);
    assert.equal(connector.stats().inFlight, 0);
    assert.equal(meter.counterTotal('upstream_requests', { outcome: 'approved' }), 1_000);
  });

  it('answers a timeout with 98, queues the reversal durably, sends 0400 with field 90 and completes on 0410', async () => {
    const connector = await connectReady();
    network.behaviour = (message) => (message.mti === '0200' ? { kind: 'silent' } : { kind: 'reply' });
    const request = sampleRequest();
    const startedAtMs = Date.now();
    const result = await connector.send(request, { timeoutMs: 150 });
    assert.ok(Date.now() - startedAtMs < 1_000, 'the caller is answered at its timeout');
    assert.equal(result.outcome, 'timeout');
    assert.equal(result.responseCode, '98');
    assert.equal(result.reversalQueued, true);
    const [reversal] = await eventually('the reversal reaches the network', 5_000, () => {
      const sent = network.receivedWithMti('0400');
      return sent.length > 0 ? sent : undefined;
    });
    assert.ok(reversal !== undefined);
    const field90 = textField(reversal, NETWORK_FIELD.originalDataElements) ?? '';
    assert.equal(field90.slice(0, 20), `0200${result.networkStan}${result.transmissionDateTime}`);
    assert.equal(textField(reversal, NETWORK_FIELD.responseCode), '98');
    assert.equal(textField(reversal, NETWORK_FIELD.amount), '000000012345');
    assert.equal(reversal.fields.has(NETWORK_FIELD.pan), false, 'no card data in a reversal');
    const [row] = await eventually('the SAF row is acknowledged', 5_000, async () => {
      const rows = await safRows(db.sql);
      return rows[0]?.state === 'acknowledged' ? rows : undefined;
    });
    assert.equal(row?.txn_id, request.txnId);
    assert.equal(row?.reason, 'timeout');
    assert.equal(row?.last_response_code, '00');
    assert.equal(row?.amount_fen, 12_345n);
    assert.equal(JSON.stringify(row?.payload).includes(TEST_PAN), false, 'no PAN stored');
    assert.equal(meter.counterTotal('upstream_saf_acks'), 1);
  });

  it('sends under an identity reserved before the send, reverses a timeout under it, and gives unsent ones back', async () => {
    const connector = await connectReady();
    const reserved = connector.reserveIdentity();
    assert.ok(reserved !== undefined);
    assert.equal(connector.stats().reservedIdentities, 1);
    // Other messages never get a STAN that is reserved, even while it waits to be sent.
    const others = await Promise.all(Array.from({ length: 50 }, () => connector.send(sampleRequest())));
    assert.ok(others.every((other) => other.networkStan !== reserved.networkStan));
    const result = await connector.send(sampleRequest(), { identity: reserved });
    assert.equal(result.outcome, 'approved');
    assert.equal(result.networkStan, reserved.networkStan);
    assert.equal(result.transmissionDateTime, reserved.transmissionDateTime);
    const sent = network.receivedWithMti('0200').at(-1);
    assert.equal(sent === undefined ? undefined : textField(sent, NETWORK_FIELD.stan), reserved.networkStan);
    assert.equal(
      sent === undefined ? undefined : textField(sent, NETWORK_FIELD.transmissionDateTime),
      reserved.transmissionDateTime,
    );
    assert.equal(connector.stats().reservedIdentities, 0);
    connector.releaseIdentity(reserved);
    await assert.rejects(connector.send(sampleRequest(), { identity: reserved }), /reserved and sent at most once/);

    network.behaviour = (message) => (message.mti === '0200' ? { kind: 'silent' } : { kind: 'reply' });
    const timedOutIdentity = connector.reserveIdentity();
    assert.ok(timedOutIdentity !== undefined);
    const request = sampleRequest();
    const timedOut = await connector.send(request, { timeoutMs: 100, identity: timedOutIdentity });
    assert.equal(timedOut.outcome, 'timeout');
    const [row] = await safRows(db.sql);
    assert.equal(row?.txn_id, request.txnId);
    assert.equal(row?.payload.networkStan, timedOutIdentity.networkStan);
    assert.equal(row?.payload.transmissionDateTime, timedOutIdentity.transmissionDateTime);

    const unsent = connector.reserveIdentity();
    assert.ok(unsent !== undefined);
    connector.releaseIdentity(unsent);
    connector.releaseIdentity(unsent);
    assert.equal(connector.stats().reservedIdentities, 0);
    // A reservation still held does not hold up shutdown: nothing is waiting for its answer.
    connector.reserveIdentity();
    connectors.splice(connectors.indexOf(connector), 1);
    const closingAtMs = Date.now();
    await connector.close();
    assert.ok(Date.now() - closingAtMs < 1_000, 'close does not wait for reserved identities');
    assert.equal(connector.reserveIdentity(), undefined, 'nothing is reserved once closed');
  });

  it('does not reverse a balance inquiry that timed out', async () => {
    const connector = await connectReady();
    network.behaviour = () => ({ kind: 'silent' });
    const result = await connector.send(sampleRequest({ kind: 'balance_inquiry' }), { timeoutMs: 50 });
    assert.equal(result.outcome, 'timeout');
    assert.equal(result.reversalQueued, undefined);
    assert.deepEqual(await safRows(db.sql), []);
  });

  it('reverses an approval that arrives after the timeout, even when the first reversal found no original', async () => {
    const connector = await connectReady();
    let originalAnswered = false;
    network.behaviour = (message) => {
      if (message.mti === '0200') {
        setTimeout(() => (originalAnswered = true), 400);
        return { kind: 'reply', delayMs: 400 };
      }
      if (message.mti === '0400') return { kind: 'reply', responseCode: originalAnswered ? '00' : '25' };
      return { kind: 'reply' };
    };
    const result = await connector.send(sampleRequest(), { timeoutMs: 100 });
    assert.equal(result.outcome, 'timeout');
    const [row] = await eventually('the late approval is reversed with 00', 5_000, async () => {
      const rows = await safRows(db.sql);
      return rows[0]?.state === 'acknowledged' && rows[0].last_response_code === '00' ? rows : undefined;
    });
    assert.equal(row?.late_approval_seen, true);
    assert.ok(typeof row?.payload.authCode === 'string', 'the late answer auth code is kept for the reversal');
    assert.equal(meter.counterTotal('upstream_late_responses', { outcome: 'approved_reversed' }), 1);
    assert.equal(connector.stats().lateResponses, 1);
  });

  it('drops a declined late answer with a metric and keeps the timeout reversal', async () => {
    const connector = await connectReady();
    network.behaviour = (message) =>
      message.mti === '0200' ? { kind: 'reply', responseCode: '51', delayMs: 200 } : { kind: 'reply' };
    const result = await connector.send(sampleRequest(), { timeoutMs: 50 });
    assert.equal(result.outcome, 'timeout');
    await eventually('the declined late answer is counted', 5_000, () =>
      meter.counterTotal('upstream_late_responses', { outcome: 'declined_dropped' }) === 1 ? true : undefined,
    );
    const rows = await eventually('the reversal completes', 5_000, async () => {
      const found = await safRows(db.sql);
      return found[0]?.state === 'acknowledged' ? found : undefined;
    });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.late_approval_seen, false);
  });

  it('fails requests in flight as timeouts with reversals when the link drops, then reconnects and drains', async () => {
    const connector = await connectReady();
    network.behaviour = () => ({ kind: 'silent' });
    const pending = Array.from({ length: 10 }, () => connector.send(sampleRequest(), { timeoutMs: 10_000 }));
    await eventually(
      'all ten reach the network',
      5_000,
      () => network.receivedWithMti('0200').length === 10 || undefined,
    );
    const acceptedBefore = network.connectionsAccepted;
    network.behaviour = () => ({ kind: 'reply' });
    const droppedAtMs = Date.now();
    network.dropAll();
    const results = await Promise.all(pending);
    assert.ok(Date.now() - droppedAtMs < 2_000, 'failed at the drop, not at the 10 s timeout');
    for (const result of results) {
      assert.equal(result.outcome, 'timeout', 'a lost link is never a decline');
      assert.equal(result.reversalQueued, true);
    }
    await eventually('links come back', 5_000, () => connector.stats().connectionsReady === 2 || undefined);
    assert.ok(network.connectionsAccepted >= acceptedBefore + 2);
    assert.ok(connector.stats().reconnects >= 2);
    const rows = await eventually('all ten reversals acknowledged', 10_000, async () => {
      const found = await safRows(db.sql);
      return found.length === 10 && found.every((row) => row.state === 'acknowledged') ? found : undefined;
    });
    assert.equal(new Set(rows.map((row) => row.txn_id)).size, 10);
    assert.equal((await connector.send(sampleRequest())).outcome, 'approved');
  });

  it('resets a link that sent a garbage frame while the other link keeps serving', async () => {
    const connector = await connectReady();
    network.behaviour = (message) =>
      message.mti === '0200' && textField(message, NETWORK_FIELD.amount) === '000000000666'
        ? { kind: 'garbage' }
        : { kind: 'reply' };
    const garbled = await connector.send(sampleRequest({ amountFen: fen(666n) }), { timeoutMs: 5_000 });
    assert.equal(garbled.outcome, 'timeout');
    assert.equal(garbled.reversalQueued, true);
    assert.equal(connector.stats().garbageFrames, 1);
    assert.ok(connector.stats().connectionsReady >= 1, 'the other link is still up');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => connector.send(sampleRequest(), { timeoutMs: 5_000 })),
    );
    assert.deepEqual(new Set(results.map((result) => result.outcome)), new Set(['approved']));
    await eventually('the reset link is back', 5_000, () => connector.stats().connectionsReady === 2 || undefined);
    assert.equal(meter.counterTotal('upstream_connection_closes', { reason: 'garbage_frame' }), 1);
  });

  it('answers 30 without sending when merchant data does not fit the network spec, and rejects a programming error', async () => {
    const connector = await connectReady();
    const sentBefore = network.received.length;
    const result = await connector.send(sampleRequest({ terminalId: 'T00000001' }));
    assert.equal(result.outcome, 'declined');
    assert.equal(result.responseCode, '30');
    assert.equal(result.networkStan, '');
    assert.equal(network.received.length, sentBefore, 'nothing reached the network');
    await assert.rejects(connector.send(sampleRequest({ kind: 'void' })), /needs the original/);
    assert.deepEqual(await safRows(db.sql), []);
    assert.equal(connector.stats().inFlight, 0);
  });

  it('MACs every message on the link with the HSM and drops answers whose MAC does not verify', async () => {
    const hsm = new SoftwareHsm({ masterKeyHex: '0123456789ABCDEFFEDCBA9876543210' });
    const mak = hsm.importKey('1122334455667788', 'MAK').keyUnderMasterKey;
    const otherMak = hsm.importKey('8877665544332211', 'MAK').keyUnderMasterKey;
    await network.close();
    network = await FakeNetwork.start(networkSpec, 0, networkMacFromHsm(hsm, mak));
    const connector = await connectReady({ networkMac: networkMacFromHsm(hsm, mak) });
    assert.equal((await connector.send(sampleRequest())).outcome, 'approved');
    assert.equal(network.rejectedForMac, 0, 'the network verified every MAC we sent');
    assert.ok(Buffer.isBuffer(network.receivedWithMti('0200')[0]?.fields.get(128)));

    await network.close();
    network = await FakeNetwork.start(networkSpec, 0, networkMacFromHsm(hsm, otherMak));
    const mismatched = connect({ networkMac: networkMacFromHsm(hsm, mak) });
    await eventually(
      'sign-on answers are dropped',
      5_000,
      () => meter.counterTotal('upstream_unmatched_responses', { reason: 'mac_failure' }) >= 1 || undefined,
    );
    assert.equal(mismatched.ready(), false, 'an unauthenticated sign-on answer never signs a link on');
  });

  it('answers unavailable with the stand-in code when no link is up, and queues nothing', async () => {
    const { address, port } = network;
    await network.close();
    const connector = connect({ address, standIn: { unavailableResponseCode: '91' } });
    const result = await connector.send(sampleRequest());
    assert.deepEqual(result, { outcome: 'unavailable', responseCode: '91', networkStan: '', transmissionDateTime: '' });
    assert.equal(connector.ready(), false);
    assert.deepEqual(await safRows(db.sql), []);
    network = await FakeNetwork.start(networkSpec, port);
    await eventually('links come up once the network listens', 5_000, () => connector.ready() || undefined);
    assert.equal((await connector.send(sampleRequest())).outcome, 'approved');
  });

  it('drains reversals queued before a restart from a new connector instance', async () => {
    network.behaviour = (message) => (message.mti === '0200' ? { kind: 'silent' } : { kind: 'reply' });
    const crashed = await connectReady({ safWorkerEnabled: false });
    const requests = [sampleRequest(), sampleRequest()];
    const results = await Promise.all(requests.map((request) => crashed.send(request, { timeoutMs: 100 })));
    assert.deepEqual(
      results.map((result) => result.reversalQueued),
      [true, true],
    );
    await crashed.close();
    assert.equal(network.receivedWithMti('0400').length, 0, 'nothing sent before the restart');
    await connectReady();
    const rows = await eventually('the new instance drains the queue', 5_000, async () => {
      const found = await safRows(db.sql);
      return found.every((row) => row.state === 'acknowledged') ? found : undefined;
    });
    assert.deepEqual(rows.map((row) => row.txn_id).sort(), requests.map((request) => request.txnId).sort());
    const field90s = network
      .receivedWithMti('0400')
      .map((message) => textField(message, NETWORK_FIELD.originalDataElements)?.slice(4, 10));
    assert.deepEqual(field90s.sort(), results.map((result) => result.networkStan).sort());
  });

  it('queues one reversal per txnId however often it is enqueued, also inside a caller transaction', async () => {
    const connector = connect({ safWorkerEnabled: false });
    const reversal = {
      txnId: 'auth_idempotent_1',
      reason: 'terminal_reversal' as const,
      kind: 'purchase' as const,
      amountFen: fen(700n),
      networkStan: '000777',
      transmissionDateTime: '1122030000',
      terminalId: 'T0000001',
      merchantNumber: '898110054110001',
      acquirerInstitutionId: '48020000',
      posConditionCode: '00',
    };
    await connector.enqueueReversal(reversal);
    await connector.enqueueReversal({ ...reversal, reason: 'timeout' });
    const client = await db.sql.connect();
    try {
      await client.query('BEGIN');
      await connector.enqueueReversal(reversal, client);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const rows = await safRows(db.sql);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.reason, 'terminal_reversal');
    assert.equal(meter.counterTotal('upstream_saf_enqueued'), 1);
  });

  it('rolls the enqueue back with the caller transaction', async () => {
    const connector = connect({ safWorkerEnabled: false });
    const client = await db.sql.connect();
    try {
      await client.query('BEGIN');
      await connector.enqueueReversal(
        {
          txnId: 'auth_rolled_back',
          reason: 'not_recorded',
          kind: 'preauth',
          amountFen: fen(1n),
          networkStan: '000001',
          transmissionDateTime: '1122030000',
          terminalId: 'T0000001',
          merchantNumber: '898110054110001',
          acquirerInstitutionId: '48020000',
          posConditionCode: '06',
        },
        client,
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    assert.deepEqual(await safRows(db.sql), []);
  });

  it('parks a reversal after its maximum attempts and raises the alarm', async () => {
    network.behaviour = (message) =>
      message.mti === '0400' ? { kind: 'reply', responseCode: '96' } : { kind: 'reply' };
    const connector = await connectReady({ limits: { safAttemptCountMax: 3 } });
    await connector.enqueueReversal({
      txnId: 'auth_parked_1',
      reason: 'terminal_reversal',
      kind: 'purchase',
      amountFen: fen(300n),
      networkStan: '000300',
      transmissionDateTime: '1122030000',
      terminalId: 'T0000001',
      merchantNumber: '898110054110001',
      acquirerInstitutionId: '48020000',
      posConditionCode: '00',
    });
    const [row] = await eventually('the item is parked', 10_000, async () => {
      const rows = await safRows(db.sql);
      return rows[0]?.state === 'parked' ? rows : undefined;
    });
    assert.equal(row?.attempt_count, 3);
    assert.equal(row?.last_response_code, '96');
    assert.equal(network.receivedWithMti('0400').length, 3);
    assert.equal(meter.counterTotal('upstream_saf_parked'), 1);
    assert.ok(logger.lines.some((line) => line.level === 'error' && line.message.includes('parked')));
    await eventually(
      'the parked gauge shows it',
      5_000,
      () => meter.gaugeValue('upstream_saf_parked_items') === 1 || undefined,
    );
  });

  it('sends advices as 0220 with field 90 until the network acknowledges them', async () => {
    let answers = 0;
    network.behaviour = (message) => {
      if (message.mti !== '0220') return { kind: 'reply' };
      answers += 1;
      return answers === 1 ? { kind: 'silent' } : { kind: 'reply', responseCode: '94' };
    };
    const connector = await connectReady({ limits: { safSendTimeoutMs: 100 } });
    await connector.enqueueAdvice({
      txnId: 'auth_advice_1',
      reason: 'completion',
      kind: 'completion',
      amountFen: fen(8_800n),
      terminalId: 'T0000001',
      merchantNumber: '898110054110001',
      mcc: '5411',
      merchantName: 'Test Supermarket',
      acquirerInstitutionId: '48020000',
      posEntryMode: '051',
      posConditionCode: '06',
      original: {
        kind: 'preauth',
        networkStan: '000042',
        transmissionDateTime: '1121120000',
        rrn: '120000000042',
        authCode: '654321',
        amountFen: fen(10_000n),
      },
    });
    const [row] = await eventually('the advice is acknowledged', 5_000, async () => {
      const rows = await safRows(db.sql);
      return rows[0]?.state === 'acknowledged' ? rows : undefined;
    });
    assert.equal(row?.last_response_code, '94');
    assert.equal(row?.attempt_count, 2);
    const [advice] = network.receivedWithMti('0220');
    assert.equal(
      textField(advice ?? { mti: '', fields: new Map() }, NETWORK_FIELD.originalDataElements)?.slice(0, 10),
      '0100000042',
    );
  });

  it('echoes an idle link and drops a link whose echo goes unanswered', async () => {
    const connector = await connectReady({ timeouts: { echoIntervalMs: 100, managementTimeoutMs: 100 } });
    await eventually(
      'an echo is answered',
      5_000,
      () =>
        network
          .receivedWithMti('0800')
          .some((message) => textField(message, NETWORK_FIELD.networkManagementCode) === '301') || undefined,
    );
    network.behaviour = (message) =>
      textField(message, NETWORK_FIELD.networkManagementCode) === '301' ? { kind: 'silent' } : { kind: 'reply' };
    await eventually(
      'a silent link is dropped',
      5_000,
      () => meter.counterTotal('upstream_connection_closes', { reason: 'dead' }) > 0 || undefined,
    );
    await eventually('the dropped link reconnects', 5_000, () => connector.stats().reconnects >= 1 || undefined);
  });

  it('keeps a link whose sign-on is refused out of service and retries with backoff', async () => {
    network.behaviour = (message) =>
      textField(message, NETWORK_FIELD.networkManagementCode) === '001'
        ? { kind: 'reply', responseCode: '96' }
        : { kind: 'reply' };
    const connector = connect({ pool: { connectionCountMax: 1 } });
    await eventually('several refused sign-ons', 5_000, () => (network.connectionsAccepted >= 3 ? true : undefined));
    assert.equal(connector.ready(), false);
    assert.equal((await connector.send(sampleRequest())).outcome, 'unavailable');
    network.behaviour = () => ({ kind: 'reply' });
    await eventually('signed on once the network accepts', 5_000, () => connector.ready() || undefined);
  });
});
