/**
 * MerchantContextPort over merchant gRPC (GetTerminalContext, SetTerminalBatch), behind the
 * terminal context cache. NOT_FOUND means the terminal is unknown (97); any other failure is
 * "unavailable" and the flow answers 96 rather than guessing.
 */
import { assert } from '@acq/assert';
import { callUnary, ServiceError } from '@acq/grpc';
import { fen } from '@acq/money';
import type {
  MerchantServiceClient,
  TerminalContext as TerminalContextMessage,
} from '@acq/proto/merchant/v1/merchant.ts';
import type { FlowLogger } from '../flows/flow-dependencies.ts';
import type {
  MerchantContextPort,
  MerchantStatus,
  TerminalContext,
  TerminalContextLookup,
  TerminalStatus,
} from '../flows/ports.ts';
import type { TerminalContextCache } from './terminal-context-cache.ts';

const MERCHANT_STATUSES: readonly MerchantStatus[] = ['active', 'frozen', 'closed'];
const TERMINAL_STATUSES: readonly TerminalStatus[] = ['registered', 'activated', 'frozen', 'retired'];

export class MerchantContextClient implements MerchantContextPort {
  readonly #client: MerchantServiceClient;
  readonly #cache: TerminalContextCache;
  readonly #logger: FlowLogger;

  constructor(client: MerchantServiceClient, cache: TerminalContextCache, logger: FlowLogger) {
    this.#client = client;
    this.#cache = cache;
    this.#logger = logger;
  }

  getTerminalContext(terminalId: string, options: { timeoutMs: number }): Promise<TerminalContextLookup> {
    return this.#cache.get(terminalId, () => this.#load(terminalId, options.timeoutMs));
  }

  async setTerminalBatch(terminalId: string, batchNumber: string, options: { timeoutMs: number }): Promise<boolean> {
    try {
      const response = await callUnary(
        this.#client.setTerminalBatch.bind(this.#client),
        { terminalId, batchNumber },
        { timeoutMs: options.timeoutMs },
      );
      if (response.context !== undefined) this.#cache.invalidateTerminal(terminalId, response.context.contextVersion);
      return true;
    } catch (error) {
      this.#logger.warn({ terminalId, err: error }, 'merchant SetTerminalBatch failed');
      return false;
    }
  }

  async #load(terminalId: string, timeoutMs: number): Promise<TerminalContextLookup> {
    try {
      const message = await callUnary(
        this.#client.getTerminalContext.bind(this.#client),
        { terminalId },
        { timeoutMs },
      );
      const context = terminalContextOf(message);
      return context === undefined ? { kind: 'not_found' } : { kind: 'found', context };
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'NOT_FOUND') return { kind: 'not_found' };
      this.#logger.warn({ terminalId, err: error }, 'merchant GetTerminalContext failed');
      return { kind: 'unavailable' };
    }
  }
}

/** undefined for a context this service cannot act on (unbound terminal, unknown status). */
export function terminalContextOf(message: TerminalContextMessage): TerminalContext | undefined {
  const merchantStatus = MERCHANT_STATUSES.find((status) => status === message.merchantStatus);
  const terminalStatus = TERMINAL_STATUSES.find((status) => status === message.terminalStatus);
  if (merchantStatus === undefined || terminalStatus === undefined) return undefined;
  if (message.merchantId === '' || message.merchantNumber.length !== 15) return undefined;
  const plan = message.feePlan;
  assert(plan === undefined || plan.debitRateUnits >= 0n, 'fee rates are never negative');
  return {
    terminalId: message.terminalId,
    serialNumber: message.serialNumber,
    merchantId: message.merchantId,
    merchantNumber: message.merchantNumber,
    merchantName: message.merchantName,
    mcc: message.mcc,
    areaCode: message.areaCode,
    merchantType: message.merchantType === 'enterprise' ? 'enterprise' : 'individual',
    merchantStatus,
    terminalStatus,
    boundAtMs: Number(message.boundAtMs),
    reboundAtMs: Number(message.reboundAtMs),
    signedIn: message.signedIn,
    batchNumber: message.batchNumber,
    pikUnderMasterKey: message.pikUnderMasterKey,
    makUnderMasterKey: message.makUnderMasterKey,
    t0Enabled: message.t0Enabled,
    feePlan: {
      category: plan?.category ?? 'standard',
      debitRateUnits: plan?.debitRateUnits ?? 0n,
      debitCapFen: fen(plan?.debitCapFen ?? 0n),
      creditRateUnits: plan?.creditRateUnits ?? 0n,
      t0RateUnits: plan?.t0RateUnits ?? 0n,
      t0FixedFen: fen(plan?.t0FixedFen ?? 0n),
    },
    location: {
      latitudeE6: message.location?.latitudeE6 ?? 0,
      longitudeE6: message.location?.longitudeE6 ?? 0,
      areaCode: message.location?.areaCode ?? '',
    },
    contextVersion: message.contextVersion,
  };
}
