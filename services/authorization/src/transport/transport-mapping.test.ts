// Goal: wire messages map to domain values and back without losing or inventing data, and merchant events invalidate the right cache entries; method: literal protobuf messages.
import { strict as expect } from 'node:assert';
import { test } from 'node:test';
import { AuthorizeRequest, HostDirective, TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import { MerchantChanged, TerminalChanged, TerminalContext } from '@acq/proto/merchant/v1/merchant.ts';
import { fen } from '@acq/money';
import { terminalContext } from '../../test/support/fakes.ts';
import { authorizeResponseOf, terminalRequestOf } from './authorize-messages.ts';
import { terminalContextOf } from './merchant-context-client.ts';
import { merchantEventsHandler } from './merchant-events-handler.ts';
import { TerminalContextCache } from './terminal-context-cache.ts';

test('AuthorizeRequest -> TerminalRequest keeps amounts as fen, empties as null, unknown kinds refused', () => {
  const message = AuthorizeRequest.fromPartial({
    correlationId: 'c1',
    kind: TransactionKind.TRANSACTION_KIND_REFUND,
    terminalId: 'T0000001',
    stan: '000123',
    batchNumber: '000001',
    amountFen: 1_234n,
    original: {
      batchNumber: '000001',
      stan: '000100',
      dateMmdd: '1122',
      kind: TransactionKind.TRANSACTION_KIND_PURCHASE,
    },
    settlementTotals: { debitAmountFen: 10n, debitCount: 1, creditAmountFen: 0n, creditCount: 0 },
  });
  const request = terminalRequestOf(message);
  expect.equal(request?.kind, 'refund');
  expect.equal(request?.amountFen, 1_234n);
  expect.equal(request?.pinBlock, null);
  expect.equal(request?.iccData, null);
  expect.equal(request?.original?.kind, 'purchase');
  expect.equal(request?.settlementTotals?.debitAmountFen, 10n);
  expect.equal(terminalRequestOf({ ...message, kind: TransactionKind.TRANSACTION_KIND_UNSPECIFIED }), undefined);
});

test('AuthorizationAnswer -> AuthorizeResponse: balance presence and host directive are explicit', () => {
  const response = authorizeResponseOf({
    correlationId: 'c1',
    responseCode: '77',
    authCode: '',
    rrn: '010000000001',
    txnId: '',
    balanceFen: null,
    feeFen: fen(0),
    settlementResult: 0,
    iccResponse: null,
    merchantDisplayName: '',
    merchantNumber: '',
    hostDirective: 'resign_in',
    batchNumber: '000001',
    declineReason: 'batch_number_mismatch',
  });
  expect.equal(response.balancePresent, false);
  expect.equal(response.hostDirective, HostDirective.HOST_DIRECTIVE_RESIGN_IN);
  expect.equal(response.iccResponse.length, 0);
});

test('merchant TerminalContext maps to the domain; unbound or unknown-status terminals are not usable', () => {
  const message = TerminalContext.fromPartial({
    terminalId: 'T0000001',
    merchantId: 'mch_1',
    merchantNumber: '898310058120001',
    mcc: '5812',
    merchantStatus: 'active',
    terminalStatus: 'activated',
    signedIn: true,
    batchNumber: '000007',
    feePlan: { category: 'discounted', debitRateUnits: 3800n, debitCapFen: 2000n, creditRateUnits: 3800n },
    contextVersion: 9n,
  });
  const context = terminalContextOf(message);
  expect.equal(context?.feePlan.debitCapFen, 2000n);
  expect.equal(context?.batchNumber, '000007');
  expect.equal(context?.contextVersion, 9n);
  expect.equal(terminalContextOf({ ...message, merchantId: '' }), undefined);
  expect.equal(terminalContextOf({ ...message, terminalStatus: 'lost' }), undefined);
});

test('merchant.events invalidate the terminal, or every terminal of the merchant', async () => {
  const cache = new TerminalContextCache({ entriesMax: 10, ttlMs: 60_000, nowMs: () => 0 });
  let loads = 0;
  const load = async () => {
    loads += 1;
    return { kind: 'found' as const, context: terminalContext({ contextVersion: BigInt(loads) }) };
  };
  await cache.get('T0000001', load);
  const handle = merchantEventsHandler(cache);
  const event = (type: string, payload: Uint8Array) => ({
    id: '0',
    topic: 'merchant.events',
    key: 'mch_1',
    type,
    payload,
    headers: {},
    occurredAt: new Date(0),
  });
  await handle(
    event(
      'acquirer.merchant.v1.TerminalChanged',
      TerminalChanged.encode(TerminalChanged.fromPartial({ terminalId: 'T0000001', contextVersion: 2n })).finish(),
    ),
  );
  await cache.get('T0000001', load);
  expect.equal(loads, 2);
  await handle(
    event(
      'acquirer.merchant.v1.MerchantChanged',
      MerchantChanged.encode(MerchantChanged.fromPartial({ merchantId: 'mch_1' })).finish(),
    ),
  );
  await cache.get('T0000001', load);
  expect.equal(loads, 3);
  await handle(event('acquirer.merchant.v1.QrCodeCreated', new Uint8Array()));
  await cache.get('T0000001', load);
  expect.equal(loads, 3);
});
