/** What the authorization flows are given at start-up: ports, store, settings and a logger. */
import type { Fen } from '@acq/money';
import type { QrDependencies } from '../qr/flows/qr-dependencies.ts';
import type { TransactionStore } from '../store/transaction-store.ts';
import type { AuthorizationContext } from './authorize/authorization-context.ts';
import type { MerchantContextPort, PinTranslatorPort, RiskPort, UpstreamPort } from './ports.ts';

export interface FlowSettings {
  readonly transactionBudgetMs: number;
  readonly stepTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly riskTimeoutMs: number;
  readonly riskFailOpen: boolean;
  readonly merchantCallTimeoutMs: number;
  readonly contactlessNoPinLimitFen: Fen;
  readonly completionPercentOfPreauthMax: bigint;
  readonly cardTokenKey: Uint8Array;
  /** Field 32 sent upstream: this acquirer's institution id. */
  readonly acquirerInstitutionId: string;
  readonly pipelineStepCountMax: number;
  /** Business dates follow Asia/Shanghai (UTC+8), the CUP clearing day. */
  readonly businessDateOffsetMinutes: number;
}

export interface FlowLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface FlowDependencies {
  readonly settings: FlowSettings;
  readonly store: TransactionStore;
  readonly merchants: MerchantContextPort;
  readonly risk: RiskPort;
  readonly upstream: UpstreamPort;
  readonly pinTranslator: PinTranslatorPort;
  /** The QR module: scan-code purchases (22 = 03x) are paid through the wallet providers. */
  readonly scanCodePayments?: QrDependencies;
  readonly logger: FlowLogger;
  /** The single reason -> field 39 mapper (transport/response-code.ts), injected so flows stay inward. */
  readonly responseCodeOf: (ctx: AuthorizationContext) => string;
  readonly nowMs: () => number;
  /** Sees every pipeline step's prepare time (metrics at the edge; flows stay free of telemetry). */
  readonly observeStep?: (step: string, durationMs: number) => void;
}
