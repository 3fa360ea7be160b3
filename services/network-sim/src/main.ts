/**
 * Starts the network simulator: the ISO 8583 upstream listener (NETWORK_SIM_ISO_PORT, default
 * 8602) and the admin HTTP API with health and metrics (NETWORK_SIM_HTTP_PORT, default 8601). All
 * state is in memory and re-seeded on every start. SIGTERM/SIGINT close both listeners gracefully.
 */
import { SoftwareHsm } from '@acq/crypto';
import { loadNetworkSimConfig } from './config.ts';
import { systemClock } from './domain/clock.ts';
import { LIMITS } from './limits.ts';
import { NetworkSimulator } from './simulator.ts';
import { buildAdminApp } from './transport/http/app.ts';
import { HttpCallbackSender } from './transport/http/callback-sender.ts';
import { HsmPinVerifier, resolveZonePinKey } from './transport/iso/hsm-pin-verifier.ts';
import { IsoServer } from './transport/iso/iso-server.ts';
import { SimulatorMetrics } from './transport/metrics.ts';

async function main(): Promise<void> {
  const config = loadNetworkSimConfig();
  const hsm = new SoftwareHsm({ masterKeyHex: config.HSM_MASTER_KEY });
  const zpkUnderMasterKey = resolveZonePinKey(hsm, config.NETWORK_ZPK_UNDER_MASTER_KEY);
  const callbacks = new HttpCallbackSender(config.WALLET_CALLBACK_SECRET);
  const simulator = new NetworkSimulator({
    clock: systemClock,
    random: Math.random,
    pinVerifier: new HsmPinVerifier(hsm, zpkUnderMasterKey),
    callbackDispatcher: callbacks,
    walletCallbackUrl: config.WALLET_CALLBACK_URL,
    acquirerId: config.NETWORK_SIM_ACQUIRER_ID,
    approvalsRetainedMax: config.NETWORK_SIM_APPROVALS_RETAINED_MAX,
    seedCards: config.NETWORK_SIM_SEED_CARDS,
  });
  const metrics = new SimulatorMetrics(simulator);
  let isoServer: IsoServer | undefined;
  const app = await buildAdminApp({
    simulator,
    metrics,
    callbacks,
    logLevel: config.LOG_LEVEL,
    isReady: () => isoServer?.listening === true,
  });
  isoServer = new IsoServer(simulator, metrics, app.log);
  const isoPort = await isoServer.listen(config.NETWORK_SIM_ISO_PORT, config.NETWORK_SIM_HOST);
  await app.listen({ port: config.NETWORK_SIM_HTTP_PORT, host: config.NETWORK_SIM_HOST });
  const sweep = setInterval(() => simulator.sweep(), LIMITS.sweepIntervalMs);
  app.log.info({ isoPort, httpPort: config.NETWORK_SIM_HTTP_PORT, cards: simulator.cards.size }, 'network-sim started');

  const shutdown = (signal: string): void => {
    app.log.info({ signal }, 'network-sim stopping');
    const forceExit = setTimeout(() => process.exit(1), LIMITS.shutdownGraceMs);
    forceExit.unref();
    clearInterval(sweep);
    callbacks.close();
    Promise.all([isoServer?.close(), app.close()]).then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'network-sim shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('network-sim failed to start', error);
  process.exit(1);
});
