/** Card-registry service process: config from env, then startCardRegistryService inside the service shell. */
import { runService } from '@acq/service-kit';
import { cardRegistryConfigSchema } from './config.ts';
import { LIMITS } from './limits.ts';
import { startCardRegistryService } from './start-card-registry-service.ts';

await runService({
  name: 'card-registry',
  configSchema: cardRegistryConfigSchema,
  opsPortVariable: 'CARD_REGISTRY_OPS_PORT',
  async start({ config, logger, meter }) {
    const service = await startCardRegistryService({
      databaseUrl: config.DATABASE_URL,
      schema: config.CARD_REGISTRY_DB_SCHEMA,
      masterKeyHex: config.HSM_MASTER_KEY,
      cardTokenKeyHex: config.CARD_TOKEN_KEY,
      grpcPort: config.CARD_REGISTRY_GRPC_PORT,
      merchantGrpcAddress: config.MERCHANT_GRPC_URL,
      providerBaseUrl: config.NETWORK_SIM_HTTP_URL,
      logger,
      meter,
      busEnv: process.env,
      settings: {
        changeCooldownMs: config.CARD_REGISTRY_CHANGE_COOLDOWN_MS,
        t0SuspensionMs: config.CARD_REGISTRY_T0_SUSPENSION_MS,
        smsCodeTimeToLiveMs: config.CARD_REGISTRY_SMS_CODE_TTL_MS,
        smsAttemptsMax: config.CARD_REGISTRY_SMS_ATTEMPTS_MAX,
        verificationAttemptsMax: config.CARD_REGISTRY_VERIFICATION_ATTEMPTS_MAX,
        agreementVersion: config.CARD_REGISTRY_AGREEMENT_VERSION,
        changeTimeToLiveMs: LIMITS.changeTimeToLiveMs,
        lockout: {
          consecutiveFailuresMax: LIMITS.identityConsecutiveFailuresMax,
          attemptsPerDayMax: LIMITS.identityAttemptsPerDayMax,
          lockoutMs: LIMITS.identityLockoutMs,
        },
      },
    });
    logger.info({ grpcPort: service.grpcPort }, 'card-registry gRPC listening');
    return {
      readiness: [{ name: 'postgres', check: service.isReady }],
      stop: () => service.stop(config.SHUTDOWN_GRACE_MS),
    };
  },
});
