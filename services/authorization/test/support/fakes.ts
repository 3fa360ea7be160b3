/**
 * Test doubles for the ports the authorization flow calls outside its own database: merchant
 * context, risk, the card network connector and the HSM's PIN translation. Tests only.
 */
import { type Fen, fen } from '@acq/money';
import type { FlowDependencies, FlowSettings } from '../../src/flows/flow-dependencies.ts';
import type {
  MerchantContextPort,
  NetworkIdentity,
  PinTranslation,
  PinTranslatorPort,
  RiskAssessment,
  RiskDecision,
  RiskPort,
  TerminalContext,
  TerminalContextLookup,
  UpstreamPort,
  UpstreamRequest,
  UpstreamResult,
  UpstreamReversal,
} from '../../src/flows/ports.ts';
import type { TerminalRequest } from '../../src/flows/terminal-request.ts';
import type { UpstreamSendOptions } from '../../src/clients/upstream/index.ts';
import type { TransactionStore } from '../../src/store/transaction-store.ts';
import { responseCodeOf } from '../../src/transport/response-code.ts';

export const BOUND_MERCHANT_NUMBER = '898310058120001';
export const TEST_PAN = '6222021234567890128';

export function terminalContext(overrides: Partial<TerminalContext> = {}): TerminalContext {
  return {
    terminalId: 'T0000001',
    serialNumber: 'SN0001',
    merchantId: 'mch_1',
    merchantNumber: BOUND_MERCHANT_NUMBER,
    merchantName: '测试餐厅',
    mcc: '5812',
    areaCode: '3100',
    merchantType: 'individual',
    merchantStatus: 'active',
    terminalStatus: 'activated',
    boundAtMs: 0,
    reboundAtMs: 0,
    signedIn: true,
    batchNumber: '000001',
    pikUnderMasterKey: '00112233445566778899AABBCCDDEEFF',
    makUnderMasterKey: '00112233445566778899AABBCCDDEEFF',
    t0Enabled: false,
    feePlan: {
      category: 'standard',
      debitRateUnits: 6000n,
      debitCapFen: fen(2000),
      creditRateUnits: 6000n,
      t0RateUnits: 0n,
      t0FixedFen: fen(0),
    },
    location: { latitudeE6: 31_230_000, longitudeE6: 121_470_000, areaCode: '3100' },
    contextVersion: 1n,
    ...overrides,
  };
}

export class FakeMerchants implements MerchantContextPort {
  readonly terminals = new Map<string, TerminalContext>();
  readonly batchMoves: Array<{ terminalId: string; batchNumber: string }> = [];
  available = true;

  async getTerminalContext(terminalId: string): Promise<TerminalContextLookup> {
    if (!this.available) return { kind: 'unavailable' };
    const context = this.terminals.get(terminalId);
    return context === undefined ? { kind: 'not_found' } : { kind: 'found', context };
  }

  async setTerminalBatch(terminalId: string, batchNumber: string): Promise<boolean> {
    this.batchMoves.push({ terminalId, batchNumber });
    const context = this.terminals.get(terminalId);
    if (context !== undefined) this.terminals.set(terminalId, { ...context, batchNumber });
    return true;
  }
}

export class FakeRisk implements RiskPort {
  readonly assessed: RiskAssessment[] = [];
  readonly released: Array<{ reservationId: string; reason: string }> = [];
  readonly confirmed: Array<{ reservationId: string; txnId: string }> = [];
  decide: (input: RiskAssessment) => RiskDecision | Promise<RiskDecision> = (input) => ({
    outcome: 'approve',
    reservationId: `rsv_${input.txnId}`,
    firedRules: [],
  });

  async assess(input: RiskAssessment): Promise<RiskDecision> {
    this.assessed.push(input);
    return this.decide(input);
  }

  async release(reservationId: string, reason: string): Promise<void> {
    this.released.push({ reservationId, reason });
  }

  async confirm(reservationId: string, txnId: string): Promise<void> {
    this.confirmed.push({ reservationId, txnId });
  }
}

let networkStanSequence = 0;
let rrnSequence = 0;

export class FakeUpstream implements UpstreamPort {
  readonly sent: UpstreamRequest[] = [];
  readonly reversals: UpstreamReversal[] = [];
  /** Reserved identities neither sent nor released: a pipeline must leave none behind. */
  readonly reservedUnsent = new Set<string>();
  answer: (request: UpstreamRequest) => Partial<UpstreamResult> | Promise<Partial<UpstreamResult>> = () => ({});

  reserveIdentity(): NetworkIdentity | undefined {
    networkStanSequence += 1;
    const identity = {
      networkStan: String(networkStanSequence % 1_000_000).padStart(6, '0'),
      transmissionDateTime: '1122031500',
      sentAt: new Date(),
    };
    this.reservedUnsent.add(identity.networkStan);
    return identity;
  }

  releaseIdentity(identity: NetworkIdentity): void {
    this.reservedUnsent.delete(identity.networkStan);
  }

  async send(request: UpstreamRequest, options: UpstreamSendOptions = {}): Promise<UpstreamResult> {
    this.sent.push(request);
    const identity = options.identity;
    // The pipeline always sends under the identity it recorded with the intent.
    if (identity === undefined || !this.reservedUnsent.delete(identity.networkStan)) {
      throw new Error('sent without a reserved identity, or with one sent or released before');
    }
    rrnSequence += 1;
    const base: UpstreamResult = {
      outcome: 'approved',
      responseCode: '00',
      authCode: 'A00001',
      rrn: `99${String(rrnSequence).padStart(10, '0')}`,
      networkStan: identity.networkStan,
      transmissionDateTime: identity.transmissionDateTime,
    };
    return { ...base, ...(await this.answer(request)) };
  }

  async enqueueReversal(reversal: UpstreamReversal): Promise<void> {
    if (this.reversals.some((queued) => queued.txnId === reversal.txnId)) return;
    this.reversals.push(reversal);
  }

  ready(): boolean {
    return true;
  }
}

export class FakePinTranslator implements PinTranslatorPort {
  refuse = false;
  translatePinBlock(_pik: string, pinBlock: Uint8Array): PinTranslation {
    if (this.refuse) return { ok: false };
    return { ok: true, pinBlockUnderZpk: Uint8Array.from(pinBlock, (byte) => byte ^ 0xff) };
  }
}

export const TEST_SETTINGS: FlowSettings = {
  transactionBudgetMs: 10_000,
  stepTimeoutMs: 1_000,
  upstreamTimeoutMs: 5_000,
  riskTimeoutMs: 50,
  riskFailOpen: false,
  merchantCallTimeoutMs: 100,
  contactlessNoPinLimitFen: fen(100_000),
  completionPercentOfPreauthMax: 115n,
  cardTokenKey: new Uint8Array(32).fill(9),
  acquirerInstitutionId: '48020000',
  pipelineStepCountMax: 24,
  businessDateOffsetMinutes: 480,
};

export interface Fakes {
  readonly merchants: FakeMerchants;
  readonly risk: FakeRisk;
  readonly upstream: FakeUpstream;
  readonly pinTranslator: FakePinTranslator;
  readonly logLines: Array<{ fields: Record<string, unknown>; message: string }>;
}

export function fakes(): Fakes {
  const merchants = new FakeMerchants();
  merchants.terminals.set('T0000001', terminalContext());
  return {
    merchants,
    risk: new FakeRisk(),
    upstream: new FakeUpstream(),
    pinTranslator: new FakePinTranslator(),
    logLines: [],
  };
}

export function flowDependencies(
  store: TransactionStore,
  doubles: Fakes,
  settings: Partial<FlowSettings> = {},
): FlowDependencies {
  const log = (fields: Record<string, unknown>, message: string) => doubles.logLines.push({ fields, message });
  return {
    settings: { ...TEST_SETTINGS, ...settings },
    store,
    merchants: doubles.merchants,
    risk: doubles.risk,
    upstream: doubles.upstream,
    pinTranslator: doubles.pinTranslator,
    logger: { info: log, warn: log, error: log },
    responseCodeOf,
    nowMs: () => Date.now(),
  };
}

let stanSequence = 0;

/** A fresh trace number for each request, so tests never collide on terminal + batch + trace. */
export function nextStan(): string {
  stanSequence += 1;
  return String(stanSequence).padStart(6, '0');
}

export function terminalRequest(overrides: Partial<TerminalRequest> = {}): TerminalRequest {
  return {
    correlationId: `c-${stanSequence}`,
    kind: 'purchase',
    terminalId: 'T0000001',
    merchantNumberFromTerminal: BOUND_MERCHANT_NUMBER,
    stan: nextStan(),
    batchNumber: '000001',
    amountFen: fen(10_000) as Fen,
    posEntryMode: '051',
    posConditionCode: '00',
    pan: TEST_PAN,
    track2: `${TEST_PAN}=30121010000000000`,
    expiryYymm: '3012',
    cardSequence: '001',
    pinBlock: new Uint8Array(8).fill(1),
    iccData: Uint8Array.from([0x9f, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]),
    scanCode: '',
    original: null,
    settlementTotals: null,
    location: null,
    reversalReasonCode: '',
    uploadRecordCount: 0,
    receivedAtMs: Date.now(),
    traceparent: '',
    ...overrides,
  };
}
