// Goal: the gateway's terminal channel (framing, sign-in keys, MAC, batch check, translation to
// authorization requests, refusals and broken frames) behaves per DESIGN.md section 4. Method: the
// real TCP server, codec and software HSM, driven by the terminal simulator over loopback, with
// in-test doubles standing in for the merchant and authorization services.
import { test } from 'node:test';
import { strict as expect } from 'node:assert';
import { metrics } from '@opentelemetry/api';
import { SoftwareHsm } from '@acq/crypto';
import { ServiceError } from '@acq/grpc';
import { fen } from '@acq/money';
import {
  type AuthorizeRequest,
  AuthorizeResponse,
  HostDirective,
  TransactionKind,
} from '@acq/proto/authorization/v1/authorization.ts';
import { TerminalContext } from '@acq/proto/merchant/v1/merchant.ts';
import { createLogger } from '@acq/telemetry';
import { TerminalConnection, TerminalSimulator } from '@acq/terminal-protocol';
import type { AuthorizationPort } from '../src/clients/authorization-client.ts';
import type { MerchantPort } from '../src/clients/merchant-client.ts';
import { TerminalContextCache } from '../src/clients/terminal-contexts.ts';
import { createTerminalHandler } from '../src/transport/tcp/terminal-handler.ts';
import { startTerminalServer } from '../src/transport/tcp/terminal-server.ts';
import { UnknownOutcomeReversals } from '../src/transport/tcp/unknown-outcome-reversals.ts';

const hsm = new SoftwareHsm({ masterKeyHex: '0123456789ABCDEFFEDCBA9876543210' });
const logger = createLogger({ service: 'gateway-test', level: 'silent' });
const card = { pan: '6222021234567890128', expiryYymm: '2812', pin: '123456' };
const BOUND_MERCHANT = '898110153110001';

interface Harness {
  simulator: TerminalSimulator;
  connection: TerminalConnection;
  port: number;
  forwarded: AuthorizeRequest[];
  reversals: UnknownOutcomeReversals;
  setAnswer(answer: (request: AuthorizeRequest) => Promise<Partial<AuthorizeResponse>>): void;
  contexts: Map<string, TerminalContext>;
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const tmk = hsm.generateTerminalMasterKey();
  const contexts = new Map<string, TerminalContext>();
  contexts.set(
    'T0000001',
    TerminalContext.fromPartial({
      terminalId: 'T0000001',
      merchantNumber: BOUND_MERCHANT,
      batchNumber: '000001',
      signedIn: false,
      contextVersion: 1n,
    }),
  );
  const merchant: MerchantPort = {
    getTerminalContext: async (terminalId) => contexts.get(terminalId),
    async signInTerminal(request) {
      const context = contexts.get(request.terminalId);
      if (context === undefined) throw new ServiceError('NOT_FOUND', 'unknown terminal', { responseCode: '97' });
      const keys = hsm.generateWorkingKeys(tmk.tmkUnderMasterKey, request.keyMode as '003');
      const signedIn = {
        ...context,
        signedIn: true,
        pikUnderMasterKey: keys.pikUnderMasterKey,
        makUnderMasterKey: keys.makUnderMasterKey,
        contextVersion: context.contextVersion + 1n,
      };
      contexts.set(request.terminalId, signedIn);
      return { field62: keys.field62, batchNumber: signedIn.batchNumber, context: signedIn };
    },
    signOffTerminal: async () => {},
    async setTerminalBatch(terminalId, batchNumber) {
      const context = contexts.get(terminalId);
      if (context !== undefined)
        contexts.set(terminalId, { ...context, batchNumber, contextVersion: context.contextVersion + 1n });
    },
    ready: async () => true,
    close: () => {},
  };
  const forwarded: AuthorizeRequest[] = [];
  let answer = async (request: AuthorizeRequest): Promise<Partial<AuthorizeResponse>> => ({
    responseCode: '00',
    authCode: 'A12345',
    rrn: `RRN${request.stan}000`,
    merchantNumber: BOUND_MERCHANT,
  });
  const authorization: AuthorizationPort = {
    async authorize(request) {
      forwarded.push(request);
      return AuthorizeResponse.fromPartial({ correlationId: request.correlationId, ...(await answer(request)) });
    },
    connected: () => true,
    close: () => {},
  };
  const reversals = new UnknownOutcomeReversals(authorization, logger);
  const cache = new TerminalContextCache({ fetch: merchant.getTerminalContext, entriesMax: 100, ttlMs: 60_000 });
  const meter = metrics.getMeter('test');
  const handle = createTerminalHandler({
    hsm,
    contexts: cache,
    merchant,
    authorization,
    reversals,
    acquirerId: '48020000',
    logger,
    meter,
  });
  const server = await startTerminalServer({ port: 0, handle, logger, meter });
  const connection = await TerminalConnection.open('127.0.0.1', server.port);
  const simulator = new TerminalSimulator(
    connection,
    { terminalId: 'T0000001', merchantNumber: BOUND_MERCHANT, tmkHex: tmk.tmkClearForDelivery },
    { timeoutMs: 5_000 },
  );
  return {
    simulator,
    connection,
    port: server.port,
    forwarded,
    reversals,
    contexts,
    setAnswer: (next) => {
      answer = next;
    },
    async close() {
      reversals.stop();
      connection.close();
      await server.close(100);
    },
  };
}

test('sign-in delivers working keys; a signed purchase is forwarded and its reply is MAC-signed', async () => {
  const harness = await startHarness();
  const signIn = await harness.simulator.signIn('003');
  expect.equal(signIn.responseCode, '00');
  expect.ok(harness.simulator.signedIn);
  const purchase = await harness.simulator.purchase(card, fen(12_345));
  expect.equal(purchase.responseCode, '00');
  expect.equal(purchase.macValid, true);
  expect.equal(purchase.authCode, 'A12345');
  expect.equal(purchase.response.fields.get(42), BOUND_MERCHANT);
  const forwarded = harness.forwarded[0];
  expect.equal(forwarded?.kind, TransactionKind.TRANSACTION_KIND_PURCHASE);
  expect.equal(forwarded?.amountFen, 12_345n);
  expect.equal(forwarded?.pan, card.pan);
  expect.equal(forwarded?.pinBlock.length, 8);
  expect.equal(forwarded?.batchNumber, '000001');
  await harness.close();
});

test('a request before sign-in or with a wrong MAC is refused with A0 and a re-sign-in directive', async () => {
  const harness = await startHarness();
  const before = await harness.simulator.purchase({ ...card, pin: undefined } as never, fen(100));
  expect.equal(before.responseCode, 'A0');
  expect.equal(before.processingRequirement, 3);
  await harness.simulator.signIn();
  const { request, stan } = harness.simulator.buildFinancial('PURCHASE', card, fen(100), undefined, {});
  const frame = harness.simulator.encode(request);
  frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 0x01; // corrupt the MAC
  const reply = await harness.connection.exchange(frame, stan, 5_000);
  expect.equal(reply.message.fields.get(39), 'A0');
  expect.equal(harness.forwarded.length, 0, 'nothing reached authorization');
  await harness.close();
});

test('an unknown terminal gets 97; a batch other than the current one gets 77', async () => {
  const harness = await startHarness();
  await harness.simulator.signIn();
  harness.simulator.batchNumber = '000009';
  const wrongBatch = await harness.simulator.purchase(card, fen(100));
  expect.equal(wrongBatch.responseCode, '77');
  expect.equal(wrongBatch.processingRequirement, 3);
  const stranger = new TerminalSimulator(harness.connection, {
    terminalId: 'T9999999',
    merchantNumber: BOUND_MERCHANT,
    tmkHex: '11'.repeat(16),
  });
  const unknown = await stranger.signIn();
  expect.equal(unknown.responseCode, '97');
  expect.equal(harness.forwarded.length, 0);
  await harness.close();
});

test('reversal, void and settlement are translated with their originals and totals', async () => {
  const harness = await startHarness();
  await harness.simulator.signIn();
  const purchase = await harness.simulator.purchase(card, fen(5_000));
  const voided = await harness.simulator.void(purchase, card);
  expect.equal(voided.responseCode, '00');
  const voidRequest = harness.forwarded[1];
  expect.equal(voidRequest?.kind, TransactionKind.TRANSACTION_KIND_VOID);
  expect.equal(voidRequest?.original?.stan, purchase.stan);
  expect.equal(voidRequest?.original?.rrn, purchase.rrn);
  const reversal = await harness.simulator.reverse(purchase.request);
  expect.equal(reversal.responseCode, '00');
  const reversalRequest = harness.forwarded[2];
  expect.equal(reversalRequest?.kind, TransactionKind.TRANSACTION_KIND_REVERSAL);
  expect.equal(reversalRequest?.original?.kind, TransactionKind.TRANSACTION_KIND_PURCHASE);
  expect.equal(reversalRequest?.original?.stan, purchase.stan);
  expect.equal(reversalRequest?.reversalReasonCode, '98');
  harness.setAnswer(async () => ({
    responseCode: '00',
    settlementResult: 1,
    hostDirective: HostDirective.HOST_DIRECTIVE_UNSPECIFIED,
  }));
  const settlement = await harness.simulator.settle();
  expect.equal(settlement.responseCode, '00');
  expect.equal(String(settlement.response.fields.get(48)).charAt(30), '1');
  expect.equal(harness.forwarded[3]?.kind, TransactionKind.TRANSACTION_KIND_BATCH_SETTLEMENT);
  harness.setAnswer(async () => ({ responseCode: '00' }));
  const nextBatch = await harness.simulator.purchase(card, fen(100));
  expect.equal(nextBatch.responseCode, '00', 'the next batch is accepted after settlement');
  expect.equal(harness.forwarded[4]?.batchNumber, '000002');
  await harness.close();
});

test('no answer from authorization gives 96 and queues the platform reversal', async () => {
  const harness = await startHarness();
  await harness.simulator.signIn();
  harness.setAnswer(async (request) => {
    if (request.kind === TransactionKind.TRANSACTION_KIND_PURCHASE) throw new Error('outcome unknown');
    return { responseCode: '00' };
  });
  const purchase = await harness.simulator.purchase(card, fen(700));
  expect.equal(purchase.responseCode, '96');
  for (let attempt = 0; attempt < 50 && harness.forwarded.length < 2; attempt++)
    await new Promise((r) => setTimeout(r, 20));
  const reversal = harness.forwarded[1];
  expect.equal(reversal?.kind, TransactionKind.TRANSACTION_KIND_REVERSAL);
  expect.equal(reversal?.original?.stan, purchase.stan);
  await harness.close();
});

test('a broken frame closes only its own connection', async () => {
  const harness = await startHarness();
  const hostile = await TerminalConnection.open('127.0.0.1', harness.port);
  hostile.writeRaw(Buffer.from([0x00, 0x05, 0x60, 0x00, 0x03, 0x00, 0x00])); // 5-byte body: no header, no MTI
  for (let attempt = 0; attempt < 50 && !hostile.closed; attempt++) await new Promise((r) => setTimeout(r, 20));
  expect.ok(hostile.closed, 'the gateway closed the broken connection');
  const signIn = await harness.simulator.signIn();
  expect.equal(signIn.responseCode, '00', 'other terminals are unaffected');
  await harness.close();
});
