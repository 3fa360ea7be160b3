// Goal: the connector works against the real network-sim: approvals, declines, follow-ups by field 90, and a timeout whose reversal reaches the network after a restart; method: network-sim as a child process, its admin API for cards, a real Postgres SAF table.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Fen, fen } from '@acq/money';
import { createSafDatabase, eventually, type SafDatabase, safRows } from './testing/saf-database.ts';
import { type NetworkSimProcess, networkSimAvailable, startNetworkSim } from './testing/network-sim-process.ts';
import { recordingLogger, recordingMeter, sampleRequest } from './testing/test-doubles.ts';
import type { UpstreamRequest } from './types.ts';
import {
  createUpstreamConnector,
  type UpstreamConnector,
  type UpstreamConnectorOptions,
} from './upstream-connector.ts';

interface CardView {
  pan: string;
  balanceFen: string;
  holdsFen: string;
  availableFen: string;
}

describe('upstream connector against network-sim', { skip: !networkSimAvailable() }, () => {
  let db: SafDatabase;
  let sim: NetworkSimProcess;
  const logger = recordingLogger();

  before(async () => {
    db = await createSafDatabase();
    sim = await startNetworkSim();
  });

  after(async () => {
    await sim?.stop();
    await db?.database.close();
  });

  async function connector(overrides: Partial<UpstreamConnectorOptions> = {}): Promise<UpstreamConnector> {
    const created = createUpstreamConnector({
      address: sim.isoAddress,
      acquirerInstitutionId: '48020000',
      pool: { connectionCountMax: 2 },
      sql: db.sql,
      schema: db.schema,
      logger,
      meter: recordingMeter(),
      limits: { safPollIntervalMs: 50, safRetryIntervalMs: 50, safLeaseRetryMs: 100 },
      ...overrides,
    });
    await eventually('signed on to network-sim', 5_000, () => created.ready() || undefined);
    return created;
  }

  async function newCard(balanceFen: Fen): Promise<CardView> {
    return sim.request<CardView>('POST', '/cards', {
      pin: '123456',
      expiry: '3012',
      kind: 'debit',
      balanceFen: balanceFen.toString(),
    });
  }

  /** network-sim checks a PIN block under its zone key; these requests carry none (PIN-less). */
  function cardRequest(pan: string, overrides: Partial<UpstreamRequest>): UpstreamRequest {
    const { pinBlockUnderZpk: _withoutPin, ...request } = sampleRequest({ pan, ...overrides });
    return request;
  }

  async function card(pan: string): Promise<CardView> {
    return sim.request<CardView>('GET', `/cards/${pan}`);
  }

  it('approves, declines, answers a balance and voids by field 90', async () => {
    const upstream = await connector();
    try {
      const { pan } = await newCard(fen(10_000n));
      const purchase = await upstream.send(cardRequest(pan, { amountFen: fen(2_500n) }));
      assert.equal(purchase.outcome, 'approved', `purchase answered ${purchase.responseCode}`);
      assert.match(purchase.authCode ?? '', /^[0-9A-Z]{6}$/);
      assert.match(purchase.rrn ?? '', /^.{12}$/);
      assert.equal((await card(pan)).availableFen, '7500');

      const balance = await upstream.send(cardRequest(pan, { kind: 'balance_inquiry', amountFen: fen(0n) }));
      assert.equal(balance.outcome, 'approved');
      assert.equal(balance.balanceFen, 7_500n);

      const tooMuch = await upstream.send(cardRequest(pan, { amountFen: fen(100_000n) }));
      assert.equal(tooMuch.outcome, 'declined');
      assert.equal(tooMuch.responseCode, '51');

      const voided = await upstream.send(
        cardRequest(pan, {
          kind: 'void',
          amountFen: fen(2_500n),
          original: {
            networkStan: purchase.networkStan,
            transmissionDateTime: purchase.transmissionDateTime,
            rrn: purchase.rrn ?? '',
            authCode: purchase.authCode ?? '',
            amountFen: fen(2_500n),
          },
        }),
      );
      assert.equal(voided.outcome, 'approved', `void answered ${voided.responseCode}`);
      assert.equal((await card(pan)).availableFen, '10000');
      assert.equal(logger.text().includes(pan), false, 'the PAN never reaches a log line');
    } finally {
      await upstream.close();
    }
  });

  async function injectFaults(faults: Record<string, unknown>): Promise<void> {
    await sim.request('PUT', '/faults', faults);
  }

  async function acknowledgedReversal(txnId: string): Promise<void> {
    await eventually(`the reversal of ${txnId} is acknowledged`, 10_000, async () => {
      const rows = (await safRows(db.sql)).filter((row) => row.txn_id === txnId);
      return rows[0]?.state === 'acknowledged' && rows[0].last_response_code === '00' ? true : undefined;
    });
  }

  it('answers a timeout with 98 and reverses it at network-sim after a restart of the connector', async () => {
    const { pan } = await newCard(fen(50_000n));
    await injectFaults({ timeoutRate: 1, pans: [pan] });
    const crashed = await connector({ safWorkerEnabled: false });
    const request = cardRequest(pan, { amountFen: fen(20_000n) });
    try {
      const result = await crashed.send(request, { timeoutMs: 300 });
      assert.equal(result.outcome, 'timeout');
      assert.equal(result.responseCode, '98');
      assert.equal(result.reversalQueued, true);
      assert.equal((await card(pan)).availableFen, '30000', 'network-sim applied the unanswered purchase');
    } finally {
      await crashed.close();
      await injectFaults({});
    }
    const restarted = await connector();
    try {
      await acknowledgedReversal(request.txnId);
      assert.equal((await card(pan)).availableFen, '50000', 'the reversal gave the money back');
    } finally {
      await restarted.close();
    }
  });

  it('reverses an approval that network-sim sends after the timeout', async () => {
    const { pan } = await newCard(fen(9_000n));
    await injectFaults({ lateResponseRate: 1, lateResponseMs: 600, pans: [pan] });
    const meter = recordingMeter();
    const upstream = await connector({ meter });
    try {
      const request = cardRequest(pan, { amountFen: fen(4_000n) });
      const result = await upstream.send(request, { timeoutMs: 200 });
      assert.equal(result.outcome, 'timeout');
      await eventually(
        'the late approval arrives',
        5_000,
        () => meter.counterTotal('upstream_late_responses', { outcome: 'approved_reversed' }) === 1 || undefined,
      );
      await acknowledgedReversal(request.txnId);
      assert.equal((await card(pan)).availableFen, '9000');
    } finally {
      await upstream.close();
      await injectFaults({});
    }
  });

  it('keeps the numbers straight through garbage frames and disconnects', async () => {
    const faulty = await newCard(fen(100_000n));
    const healthy = await newCard(fen(100_000n));
    const upstream = await connector();
    try {
      await injectFaults({ garbageRate: 0.5, disconnectRate: 0.2, pans: [faulty.pan] });
      const requests = Array.from({ length: 20 }, (_, index) =>
        cardRequest(index % 2 === 0 ? faulty.pan : healthy.pan, { amountFen: fen(1_000n) }),
      );
      const results = await Promise.all(requests.map((request) => upstream.send(request, { timeoutMs: 2_000 })));
      await injectFaults({});
      let healthyApprovedFen = 0n;
      for (const [index, result] of results.entries()) {
        const request = requests[index];
        assert.ok(request !== undefined);
        assert.notEqual(result.outcome, 'declined', 'a link fault is never a decline');
        if (result.outcome === 'timeout') await acknowledgedReversal(request.txnId);
        if (request.pan === healthy.pan && result.outcome === 'approved') healthyApprovedFen += request.amountFen;
      }
      assert.ok(
        results.some((result) => result.outcome === 'timeout'),
        'faults happened',
      );
      // Every unanswered purchase was reversed: the faulty card keeps only its answered approvals.
      const faultyApprovedFen = results.reduce(
        (total, result, index) =>
          requests[index]?.pan === faulty.pan && result.outcome === 'approved' ? total + 1_000n : total,
        0n,
      );
      assert.equal(BigInt((await card(faulty.pan)).availableFen), 100_000n - faultyApprovedFen);
      assert.equal(BigInt((await card(healthy.pan)).availableFen), 100_000n - healthyApprovedFen);
    } finally {
      await upstream.close();
      await injectFaults({});
    }
  });
});
