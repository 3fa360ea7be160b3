/** What the QR flows are given at start-up: the order store, the providers, merchant and risk ports, settings. */
import type { WalletPort } from '../../clients/wallet/index.ts';
import type { FlowLogger } from '../../flows/flow-dependencies.ts';
import type { MerchantContextPort, RiskPort } from '../../flows/ports.ts';
import type { QrOrderStore } from '../store/qr-order-store.ts';

export interface QrSettings {
  /** Where providers send their asynchronous notifications; `{provider}` is replaced. */
  readonly callbackUrlTemplate: string;
  readonly callbackSecret: string;
  readonly riskTimeoutMs: number;
  readonly riskFailOpen: boolean;
  readonly merchantCallTimeoutMs: number;
}

export interface QrDependencies {
  readonly store: QrOrderStore;
  readonly wallet: WalletPort;
  readonly merchants: MerchantContextPort;
  readonly risk: RiskPort;
  readonly settings: QrSettings;
  readonly logger: FlowLogger;
  readonly nowMs: () => number;
  readonly sleep: (delayMs: number) => Promise<void>;
}
