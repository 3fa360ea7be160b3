/**
 * The QR payment module inside the authorization service: its gRPC service, the dependencies the
 * scan-code route of the card pipeline uses, and the resolver (one replica at a time, by advisory
 * lease) that drives open orders to a final state, also after a restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withAdvisoryLease } from '@acq/db';
import type { GrpcServiceRegistration } from '@acq/grpc';
import type { Logger } from '@acq/telemetry';
import type pg from 'pg';
import { HttpWalletClient, type WalletPort } from '../clients/wallet/index.ts';
import type { MerchantContextPort, RiskPort } from '../flows/ports.ts';
import type { QrDependencies } from './flows/qr-dependencies.ts';
import { resolveDueWork } from './flows/qr-resolver.ts';
import { RESOLVER_BATCH_ROWS_MAX, RESOLVER_IDLE_INTERVAL_MS, WALLET_REQUEST_TIMEOUT_MS } from './limits.ts';
import type { QrModuleConfig } from './qr-config.ts';
import { QrOrderStore } from './store/qr-order-store.ts';
import { qrPaymentGrpcService } from './transport/qr-grpc-service.ts';

export const QR_RESOLVER_LEASE = 'authorization:qr-resolver';

export interface QrModule {
  readonly deps: QrDependencies;
  readonly grpcService: GrpcServiceRegistration;
  /** Starts the resolver loop; resolves when stopped. */
  startResolver(): void;
  stop(): Promise<void>;
}

export function createQrModule(options: {
  pool: pg.Pool;
  config: QrModuleConfig;
  merchants: MerchantContextPort;
  risk: RiskPort;
  settings: { riskTimeoutMs: number; riskFailOpen: boolean; merchantCallTimeoutMs: number };
  logger: Logger;
  wallet?: WalletPort;
}): QrModule {
  const deps: QrDependencies = {
    store: new QrOrderStore(options.pool),
    wallet:
      options.wallet ??
      new HttpWalletClient({ baseUrl: options.config.walletBaseUrl, requestTimeoutMs: WALLET_REQUEST_TIMEOUT_MS }),
    merchants: options.merchants,
    risk: options.risk,
    settings: {
      callbackUrlTemplate: options.config.callbackUrlTemplate,
      callbackSecret: options.config.callbackSecret,
      ...options.settings,
    },
    logger: options.logger,
    nowMs: Date.now,
    sleep: (delayMs) => sleep(delayMs),
  };
  const controller = new AbortController();
  let running: Promise<void> = Promise.resolve();
  return {
    deps,
    grpcService: qrPaymentGrpcService(deps),
    startResolver() {
      running = withAdvisoryLease(options.pool, QR_RESOLVER_LEASE, (_lease, signal) => resolveLoop(deps, signal), {
        signal: controller.signal,
        logger: options.logger,
      });
    },
    async stop() {
      controller.abort();
      await running;
    },
  };
}

async function resolveLoop(deps: QrDependencies, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const handled = await resolveDueWork(deps);
    // A full batch means more is due: sweep again at once; otherwise wait for new work.
    if (handled < RESOLVER_BATCH_ROWS_MAX)
      await sleep(RESOLVER_IDLE_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
  }
}
