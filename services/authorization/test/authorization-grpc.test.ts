// Goal: the gRPC edge answers many requests multiplexed on one Authorize stream by correlation id, and AuthorizeOnce alike; method: real server and client on a local port, real Postgres, fake ports behind.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { createClient, type GrpcServerHandle, startGrpcServer } from '@acq/grpc';
import {
  AuthorizationServiceClient,
  type AuthorizeRequest,
  type AuthorizeResponse,
  TransactionKind,
} from '@acq/proto/authorization/v1/authorization.ts';
import { TransactionIdentities } from '../src/flows/transaction-identity.ts';
import { authorizationGrpcService } from '../src/transport/authorization-grpc-service.ts';
import { type AuthorizationDatabase, authorizationDatabase } from './support/authorization-database.ts';
import { BOUND_MERCHANT_NUMBER, type Fakes, fakes, flowDependencies, nextStan, TEST_PAN } from './support/fakes.ts';

let db: AuthorizationDatabase;
let doubles: Fakes;
let server: GrpcServerHandle;
let client: AuthorizationServiceClient;

before(async () => {
  db = await authorizationDatabase();
  doubles = fakes();
  server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    services: [
      authorizationGrpcService({
        deps: flowDependencies(db.store, doubles),
        identities: new TransactionIdentities(2),
        streamInFlightMax: 64,
      }),
    ],
  });
  client = createClient(AuthorizationServiceClient, `127.0.0.1:${server.port}`);
});
after(async () => {
  client.close();
  await server.shutdown(1_000);
  await db.close();
});

function purchase(correlationId: string, overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    correlationId,
    deadlineMs: 10_000,
    kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
    terminalId: 'T0000001',
    merchantNumberFromTerminal: BOUND_MERCHANT_NUMBER,
    stan: nextStan(),
    batchNumber: '000001',
    amountFen: 2_500n,
    posEntryMode: '051',
    posConditionCode: '00',
    pan: TEST_PAN,
    track2: '',
    track3: '',
    expiryYymm: '3012',
    cardSequence: '001',
    pinBlock: Buffer.alloc(0),
    iccData: Buffer.from('9F2608AABBCCDDEEFF0011', 'hex'),
    scanCode: '',
    original: undefined,
    settlementTotals: undefined,
    location: undefined,
    receivedAtMs: BigInt(Date.now()),
    traceparent: '',
    reversalReasonCode: '',
    networkManagementCode: '',
    uploadRecordCount: 0,
    operatorNumber: '01',
    pinPresent: false,
    localTimeHhmmss: '120000',
    localDateMmdd: '1122',
    ...overrides,
  };
}

test('one stream carries many requests; answers come back matched by correlation id', async () => {
  const call = client.authorize();
  const answers = new Map<string, AuthorizeResponse>();
  const done = new Promise<void>((resolve, reject) => {
    call.on('data', (response: AuthorizeResponse) => answers.set(response.correlationId, response));
    call.on('end', () => resolve());
    call.on('error', reject);
  });
  const requests = Array.from({ length: 50 }, (_, index) => purchase(`s-${index}`));
  requests.push(purchase('unknown-kind', { kind: 99 as TransactionKind }));
  for (const request of requests) call.write(request);
  call.end();
  await done;
  expect.equal(answers.size, 51);
  for (let index = 0; index < 50; index += 1) {
    const answer = answers.get(`s-${index}`);
    expect.equal(answer?.responseCode, '00');
    expect.match(answer?.txnId ?? '', /^auth_/);
    expect.equal(answer?.merchantNumber, BOUND_MERCHANT_NUMBER);
  }
  expect.equal(answers.get('unknown-kind')?.responseCode, '30');
});

test('AuthorizeOnce gives the same answer shape, including the replay of a retransmission', async () => {
  const request = purchase('once-1');
  const first = await new Promise<AuthorizeResponse>((resolve, reject) =>
    client.authorizeOnce(request, (error, response) => (error === null ? resolve(response) : reject(error))),
  );
  const again = await new Promise<AuthorizeResponse>((resolve, reject) =>
    client.authorizeOnce({ ...request, correlationId: 'once-2' }, (error, response) =>
      error === null ? resolve(response) : reject(error),
    ),
  );
  expect.equal(first.responseCode, '00');
  expect.equal(again.correlationId, 'once-2');
  expect.equal(again.txnId, first.txnId);
  expect.equal(again.rrn, first.rrn);
});
