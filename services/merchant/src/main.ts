/** Merchant service process: config from env, then startMerchantService inside the service shell. */
import { runService } from '@acq/service-kit';
import { merchantConfigSchema } from './config.ts';
import { startMerchantService } from './start-merchant-service.ts';

await runService({
  name: 'merchant',
  configSchema: merchantConfigSchema,
  opsPortVariable: 'MERCHANT_OPS_PORT',
  async start({ config, logger, meter }) {
    const service = await startMerchantService({
      databaseUrl: config.DATABASE_URL,
      schema: config.MERCHANT_DB_SCHEMA,
      masterKeyHex: config.HSM_MASTER_KEY,
      grpcPort: config.MERCHANT_GRPC_PORT,
      logger,
      meter,
      busEnv: process.env,
      settings: {
        acquirerCode: config.MERCHANT_ACQUIRER_CODE,
        activationCodeSecret: Buffer.from(config.MERCHANT_ACTIVATION_CODE_SECRET, 'hex'),
        qrBaseUrl: config.MERCHANT_QR_BASE_URL,
        activationCodeTimeToLiveMs: config.MERCHANT_ACTIVATION_CODE_TTL_MS,
        activationAttemptsMax: config.MERCHANT_ACTIVATION_ATTEMPTS_MAX,
        terminalsPerMerchantMax: config.MERCHANT_TERMINALS_PER_MERCHANT_MAX,
      },
    });
    logger.info({ grpcPort: service.grpcPort }, 'merchant gRPC listening');
    return {
      readiness: [{ name: 'postgres', check: service.isReady }],
      stop: () => service.stop(config.SHUTDOWN_GRACE_MS),
    };
  },
});
