// Goal: the confirms and releases of concurrent transactions reach risk in a few SettleReservations
// calls, each caller hears its own batch's outcome, and close() sends what is still queued;
// method: a RiskClient against an in-process gRPC server that records every call.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type GrpcServerHandle, ServiceError, startGrpcServer } from '@acq/grpc';
import {
  ReleaseReason,
  RiskServiceClient,
  RiskServiceService,
  type SettleReservationsRequest,
} from '@acq/proto/risk/v1/risk.ts';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { RiskClient } from './risk-client.ts';

const calls: SettleReservationsRequest[] = [];
let refuseNext = false;
let server: GrpcServerHandle;

const quietLogger = { info() {}, warn() {}, error() {} };
const limits = {
  streamCount: 1,
  inFlightMax: 16,
  reconnectDelayMsMin: 10,
  reconnectDelayMsMax: 100,
  releaseTimeoutMs: 2_000,
  settlementBatch: { windowMs: 2, sizeMax: 50, queueSizeMax: 1_000, callsInFlightMax: 2 },
};

before(async () => {
  const implementation = {
    assess: () => {},
    settleReservations: (
      call: { request: SettleReservationsRequest },
      callback: (error: Error | null, response?: object) => void,
    ) => {
      calls.push(call.request);
      if (refuseNext) {
        refuseNext = false;
        callback(new ServiceError('UNAVAILABLE', 'risk is restarting'));
        return;
      }
      callback(null, { confirmedCount: call.request.confirms.length, releasedCount: call.request.releases.length });
    },
  } as unknown as UntypedServiceImplementation;
  server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    services: [{ definition: RiskServiceService, implementation }],
  });
});
after(async () => server.shutdown(1_000));

function newClient(): RiskClient {
  return new RiskClient(createClient(RiskServiceClient, `127.0.0.1:${server.port}`), limits, quietLogger);
}

test('settlements of concurrent transactions share calls, in batches of at most sizeMax', async () => {
  const risk = newClient();
  calls.length = 0;
  const settled: Promise<void>[] = [];
  for (let index = 0; index < 120; index++) {
    settled.push(
      index % 3 === 0
        ? risk.release(`rsv_${index}`, 'declined_upstream')
        : risk.confirm(`rsv_${index}`, `auth_${index}`),
    );
  }
  await Promise.all(settled);
  assert.ok(calls.length >= 3 && calls.length <= 6, `${calls.length} calls for 120 settlements`);
  for (const call of calls) assert.ok(call.confirms.length + call.releases.length <= limits.settlementBatch.sizeMax);
  const confirmed = calls.flatMap((call) => call.confirms.map((confirm) => confirm.reservationId));
  const released = calls.flatMap((call) => call.releases);
  assert.equal(confirmed.length, 80);
  assert.equal(released.length, 40);
  assert.ok(released.every((release) => release.reason === ReleaseReason.RELEASE_REASON_DECLINED_UPSTREAM));
  await risk.close();
});

test('a refused call fails the callers of that batch only; close() sends what is queued', async () => {
  const risk = newClient();
  calls.length = 0;
  refuseNext = true;
  await assert.rejects(risk.confirm('rsv_refused', 'auth_refused'), /restarting/);
  await risk.confirm('rsv_after', 'auth_after');
  const queued = risk.release('rsv_closing', 'reversed');
  await risk.close();
  await queued;
  assert.deepEqual(
    calls.map((call) => [...call.confirms.map((c) => c.reservationId), ...call.releases.map((r) => r.reservationId)]),
    [['rsv_refused'], ['rsv_after'], ['rsv_closing']],
  );
});
