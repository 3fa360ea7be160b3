// Goal: the gRPC API answers merchants and operators with the flows' results and maps refusals to stable status codes; method: a real grpc-js server on an ephemeral port over a real Postgres schema, called with the generated client.
import { strict as expect } from 'node:assert';
import { after, before, test } from 'node:test';
import { callUnary, createClient, type GrpcServerHandle, ServiceError } from '@acq/grpc';
import { SettlementServiceClient } from '@acq/proto/settlement/v1/settlement.ts';
import { advanceDuePayouts } from '../src/flows/advance-payouts.ts';
import { applyTransactionEvents } from '../src/flows/apply-transaction-events.ts';
import { createHarness, drainPayouts, type Harness, startHarnessGrpcServer } from './support/harness.ts';

let harness: Harness;
let server: GrpcServerHandle;
let client: SettlementServiceClient;
const silentLogger = { error: () => undefined };

before(async () => {
  harness = await createHarness('2026-03-02T02:00:00Z');
  server = await startHarnessGrpcServer(harness, silentLogger);
  client = createClient(SettlementServiceClient, `127.0.0.1:${server.port}`);
});
after(async () => {
  client.close();
  await server.shutdown(1_000);
  await harness.close();
});

const call = <Request, Response>(method: (request: Request, ...rest: never[]) => unknown, request: Request) =>
  callUnary(method.bind(client) as never, request, { timeoutMs: 5_000 }) as Promise<Response>;

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }
}

test('balance, transactions, D0 withdrawal and payouts over gRPC', async () => {
  harness.addMerchant('m_g1', { t0Enabled: true });
  harness.bank.script('po_t0_txn_g1', ['reject', 'reject', 'reject']);
  await applyTransactionEvents(harness.context, [harness.event('PURCHASE', 'txn_g1', 'm_g1', 10000)]);
  await drainPayouts(harness, () => advanceDuePayouts(harness.context));
  const balance = await call(client.getBalance, { merchantId: 'm_g1' });
  expect.equal((balance as { availableFen: bigint }).availableFen, 9940n);
  const listed = (await call(client.listTransactions, {
    merchantId: 'm_g1',
    fromMs: 0n,
    toMs: 0n,
    cursor: '',
    limit: 10,
  })) as {
    transactions: Array<{ txnId: string; feeFen: bigint; settlementMode: string }>;
  };
  expect.deepEqual(
    listed.transactions.map((item) => [item.txnId, item.feeFen, item.settlementMode]),
    [['txn_g1', 60n, 't1']],
  );
  const withdrawal = (await call(client.withdrawD0, {
    merchantId: 'm_g1',
    amountFen: 5000n,
    idempotencyKey: 'w-1',
  })) as {
    payoutId: string;
    amountFen: bigint;
  };
  expect.equal(withdrawal.amountFen, 4800n);
  expect.equal(
    await refusal(call(client.withdrawD0, { merchantId: 'm_g1', amountFen: 999999n, idempotencyKey: 'w-2' })),
    'INSUFFICIENT_FUNDS',
  );
  expect.equal(
    await refusal(call(client.withdrawD0, { merchantId: 'm_g1', amountFen: 0n, idempotencyKey: 'w-3' })),
    'INVALID_INPUT',
  );
  expect.equal(await refusal(call(client.getBalance, { merchantId: 'm_unknown' })), 'MERCHANT_UNKNOWN');
  const payouts = (await call(client.listPayouts, { merchantId: 'm_g1', limit: 10 })) as {
    payouts: Array<{ kind: string }>;
  };
  expect.deepEqual(payouts.payouts.map((payout) => payout.kind).sort(), ['d0', 't0']);
});

test('statements, bills and operator calls over gRPC', async () => {
  const statement = (await call(client.getStatement, { merchantId: 'm_g1', period: '2026-03' })) as {
    csv: Uint8Array;
    closingFen: bigint;
  };
  expect.match(Buffer.from(statement.csv).toString('utf8'), /^section,time,reference/);
  expect.equal(await refusal(call(client.getStatement, { merchantId: 'm_g1', period: '2026-3' })), 'INVALID_INPUT');
  const bills = (await call(client.listBills, { merchantId: 'm_g1', state: '', limit: 0 })) as { bills: unknown[] };
  expect.deepEqual(bills.bills, []);
  expect.equal(
    await refusal(
      call(client.repayBill, {
        merchantId: 'm_g1',
        billId: 'bill_x',
        method: 'settlement',
        amountFen: 1n,
        idempotencyKey: 'r1',
        walletProvider: '',
        walletPaymentCode: '',
      }),
    ),
    'BILL_NOT_FOUND',
  );
  expect.equal(await refusal(call(client.runT1Settlement, { settlementDate: '2026-03-01' })), 'NOT_A_BUSINESS_DAY');
  const run = (await call(client.reconcileClearingFile, { clearingDate: '2026-03-02', fileText: '' })) as {
    platformOnlyCount: number;
  };
  expect.equal(run.platformOnlyCount, 1, 'the purchase is missing from the (empty) network file');
  const suspended = (await call(client.suspendT0, {
    merchantId: 'm_g1',
    untilMs: BigInt(harness.clock.nowMs() + 60_000),
    reason: 'card change',
  })) as { suspended: boolean };
  expect.equal(suspended.suspended, true);
  expect.equal(
    await refusal(call(client.withdrawD0, { merchantId: 'm_g1', amountFen: 100n, idempotencyKey: 'w-4' })),
    'T0_SUSPENDED',
  );
});
