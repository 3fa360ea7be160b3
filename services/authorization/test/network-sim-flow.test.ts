// Goal: card transactions run end to end through the pipeline, the real upstream connector, the software HSM and network-sim (the card network), and the money at the issuer follows; method: network-sim child process, real Postgres, fakes only for merchant and risk.
import { strict as expect } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { SoftwareHsm, pinBlockFormat0, tripleDesEncryptEcb } from '@acq/crypto';
import { type Fen, fen } from '@acq/money';
import { createUpstreamConnector, type UpstreamConnector } from '../src/clients/upstream/index.ts';
import {
  type NetworkSimProcess,
  networkSimAvailable,
  startNetworkSim,
} from '../src/clients/upstream/testing/network-sim-process.ts';
import { eventually } from '../src/clients/upstream/testing/saf-database.ts';
import { recordingLogger, recordingMeter } from '../src/clients/upstream/testing/test-doubles.ts';
import { type AuthorizationAnswer, authorizeTransaction } from '../src/flows/authorize/authorize-transaction.ts';
import type { FlowDependencies } from '../src/flows/flow-dependencies.ts';
import type { TerminalRequest } from '../src/flows/terminal-request.ts';
import { TransactionIdentities } from '../src/flows/transaction-identity.ts';
import { HsmPinTranslator, resolveZonePinKey } from '../src/transport/hsm-pin-translator.ts';
import { type AuthorizationDatabase, authorizationDatabase } from './support/authorization-database.ts';
import { fakes, flowDependencies, terminalContext, terminalRequest } from './support/fakes.ts';

/** The platform's documented dev master key, which network-sim also uses by default. */
const MASTER_KEY_HEX = process.env.HSM_MASTER_KEY ?? '0123456789ABCDEFFEDCBA9876543210';
const CLEAR_PIK_HEX = '4567456789ABCDEF4567456789ABCDEF';
const CARD_PIN = '123456';

interface CardView {
  pan: string;
  availableFen: string;
}

describe('authorization against network-sim', { skip: !networkSimAvailable() }, () => {
  let db: AuthorizationDatabase;
  let sim: NetworkSimProcess;
  let upstream: UpstreamConnector;
  let deps: FlowDependencies;
  const identities = new TransactionIdentities(3);
  const logger = recordingLogger();

  before(async () => {
    db = await authorizationDatabase();
    sim = await startNetworkSim();
    upstream = createUpstreamConnector({
      address: sim.isoAddress,
      acquirerInstitutionId: '48020000',
      pool: { connectionCountMax: 2 },
      sql: db.pool,
      schema: db.schema,
      logger,
      meter: recordingMeter(),
    });
    await eventually('signed on to network-sim', 5_000, () => upstream.ready() || undefined);
    const hsm = new SoftwareHsm({ masterKeyHex: MASTER_KEY_HEX });
    const doubles = fakes();
    doubles.merchants.terminals.set(
      'T0000001',
      terminalContext({ pikUnderMasterKey: hsm.importKey(CLEAR_PIK_HEX, 'PIK').keyUnderMasterKey }),
    );
    deps = {
      ...flowDependencies(db.store, doubles),
      upstream,
      pinTranslator: new HsmPinTranslator(hsm, resolveZonePinKey(hsm, 'derived')),
    };
  });

  after(async () => {
    await upstream?.close();
    await sim?.stop();
    await db?.close();
  });

  async function newCard(balanceFen: Fen): Promise<string> {
    const card = await sim.request<CardView>('POST', '/cards', {
      pin: CARD_PIN,
      expiry: '3012',
      kind: 'debit',
      balanceFen: balanceFen.toString(),
    });
    return card.pan;
  }

  async function available(pan: string): Promise<string> {
    return (await sim.request<CardView>('GET', `/cards/${pan}`)).availableFen;
  }

  /** What the terminal does: PIN block format 0 encrypted under its clear PIK. */
  function terminalPinBlock(pin: string, pan: string): Uint8Array {
    return tripleDesEncryptEcb(Buffer.from(CLEAR_PIK_HEX, 'hex'), pinBlockFormat0(pin, pan));
  }

  function cardRequest(pan: string, overrides: Partial<TerminalRequest>): TerminalRequest {
    return terminalRequest({
      pan,
      track2: '',
      expiryYymm: '3012',
      posEntryMode: '021',
      iccData: null,
      pinBlock: terminalPinBlock(CARD_PIN, pan),
      ...overrides,
    });
  }

  function authorize(request: TerminalRequest): Promise<AuthorizationAnswer> {
    return authorizeTransaction(request, 30_000, deps, identities);
  }

  test('purchase with PIN, void, refund and reversal move the issuer balance exactly', async () => {
    const pan = await newCard(fen(100_000));
    const purchase = cardRequest(pan, { amountFen: fen(30_000) });
    const approved = await authorize(purchase);
    expect.equal(approved.responseCode, '00', approved.declineReason);
    expect.equal(await available(pan), '70000');
    const original = {
      batchNumber: purchase.batchNumber,
      stan: purchase.stan,
      dateMmdd: '',
      rrn: approved.rrn,
      authCode: approved.authCode,
      kind: null,
    };
    const voided = await authorize(cardRequest(pan, { kind: 'void', amountFen: fen(30_000), original }));
    expect.equal(voided.responseCode, '00', voided.declineReason);
    expect.equal(await available(pan), '100000');

    const second = cardRequest(pan, { amountFen: fen(20_000) });
    const secondAnswer = await authorize(second);
    expect.equal(secondAnswer.responseCode, '00');
    const refund = await authorize(
      cardRequest(pan, {
        kind: 'refund',
        amountFen: fen(5_000),
        pinBlock: null,
        original: {
          batchNumber: second.batchNumber,
          stan: second.stan,
          dateMmdd: '',
          rrn: secondAnswer.rrn,
          authCode: secondAnswer.authCode,
          kind: null,
        },
      }),
    );
    expect.equal(refund.responseCode, '00', refund.declineReason);

    const third = cardRequest(pan, { amountFen: fen(1_000) });
    expect.equal((await authorize(third)).responseCode, '00');
    const before = Number(await available(pan));
    const reversal = await authorize(
      terminalRequest({ kind: 'reversal', stan: third.stan, batchNumber: third.batchNumber, amountFen: fen(1_000) }),
    );
    expect.equal(reversal.responseCode, '00');
    await eventually('the reversal reached network-sim', 10_000, async () =>
      Number(await available(pan)) === before + 1_000 ? true : undefined,
    );
  });

  test('issuer refusals pass through: wrong PIN 55, insufficient funds 51', async () => {
    const pan = await newCard(fen(1_000));
    const wrongPin = await authorize(
      cardRequest(pan, { amountFen: fen(500), pinBlock: terminalPinBlock('654321', pan) }),
    );
    expect.equal(wrongPin.responseCode, '55');
    const tooMuch = await authorize(cardRequest(pan, { amountFen: fen(5_000) }));
    expect.equal(tooMuch.responseCode, '51');
    expect.equal(await available(pan), '1000');
    expect.equal(logger.text().includes(pan), false, 'the PAN never reaches a log line');
  });
});
