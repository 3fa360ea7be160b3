/**
 * Starts the network simulator inside the platform's service shell (@acq/service-kit): the ISO 8583
 * upstream listener (NETWORK_SIM_ISO_PORT, default 8602) and the admin HTTP API, which also serves
 * /healthz, /readyz and /metrics (NETWORK_SIM_HTTP_PORT, default 8601). All state is in memory and
 * re-seeded on every start. SIGTERM/SIGINT stop both listeners gracefully.
 */
import { SoftwareHsm } from '@acq/crypto';
import { createOpsHandler, runService } from '@acq/service-kit';
import { networkSimConfigSchema, validateNetworkSimConfig } from './config.ts';
import { systemClock } from './domain/clock.ts';
import { LIMITS } from './limits.ts';
import { NetworkSimulator } from './simulator.ts';
import { buildAdminApp } from './transport/http/app.ts';
import { HttpCallbackSender } from './transport/http/callback-sender.ts';
import { HsmPinVerifier, resolveZonePinKey } from './transport/iso/hsm-pin-verifier.ts';
import { IsoServer } from './transport/iso/iso-server.ts';
import { SimulatorMetrics } from './transport/metrics.ts';

await runService({
  name: 'network-sim',
  configSchema: networkSimConfigSchema,
  async start({ config, logger, meter, ops }) {
    validateNetworkSimConfig(config);
    const hsm = new SoftwareHsm({ masterKeyHex: config.HSM_MASTER_KEY });
    const callbacks = new HttpCallbackSender(config.WALLET_CALLBACK_SECRET);
    const simulator = new NetworkSimulator({
      clock: systemClock,
      random: Math.random,
      pinVerifier: new HsmPinVerifier(hsm, resolveZonePinKey(hsm, config.NETWORK_ZPK_UNDER_MASTER_KEY)),
      callbackDispatcher: callbacks,
      walletCallbackUrl: config.WALLET_CALLBACK_URL,
      acquirerId: config.NETWORK_SIM_ACQUIRER_ID,
      approvalsRetainedMax: config.NETWORK_SIM_APPROVALS_RETAINED_MAX,
      seedCards: config.NETWORK_SIM_SEED_CARDS,
    });
    const metrics = new SimulatorMetrics(meter, simulator);
    const app = await buildAdminApp({ simulator, callbacks, logger, opsHandler: createOpsHandler(ops) });
    const isoServer = new IsoServer(simulator, metrics, logger);
    const isoPort = await isoServer.listen(config.NETWORK_SIM_ISO_PORT, config.NETWORK_SIM_HOST);
    await app.listen({ port: config.NETWORK_SIM_HTTP_PORT, host: config.NETWORK_SIM_HOST });
    const sweep = setInterval(() => simulator.sweep(), LIMITS.sweepIntervalMs);
    logger.info(
      { isoPort, httpPort: config.NETWORK_SIM_HTTP_PORT, cards: simulator.cards.size },
      'network-sim listening',
    );
    return {
      readiness: [{ name: 'iso-listener', check: async () => isoServer.listening }],
      async stop() {
        clearInterval(sweep);
        callbacks.close();
        await Promise.all([isoServer.close(), app.close()]);
      },
    };
  },
});
