/** Settlement service process: config from env, then startSettlementService inside the service shell. */
import { runService } from '@acq/service-kit';
import { minuteOfDay, settlementConfigSchema } from './config.ts';
import { startSettlementService } from './start-settlement-service.ts';

await runService({
  name: 'settlement',
  configSchema: settlementConfigSchema,
  opsPortVariable: 'SETTLEMENT_OPS_PORT',
  async start({ config, logger, meter }) {
    const service = await startSettlementService({
      databaseUrl: config.DATABASE_URL,
      schema: config.SETTLEMENT_DB_SCHEMA,
      poolSizeMax: config.SETTLEMENT_DB_POOL_SIZE,
      masterKeyHex: config.HSM_MASTER_KEY,
      grpcPort: config.SETTLEMENT_GRPC_PORT,
      merchantGrpcUrl: config.MERCHANT_GRPC_URL,
      cardRegistryGrpcUrl: config.CARD_REGISTRY_GRPC_URL,
      networkSimHttpUrl: config.NETWORK_SIM_HTTP_URL,
      cutoffMinuteOfDay: minuteOfDay(config.SETTLEMENT_CUTOFF),
      t1RunMinuteOfDay: minuteOfDay(config.SETTLEMENT_T1_RUN_AT),
      reconciliationRunMinuteOfDay: minuteOfDay(config.SETTLEMENT_RECONCILIATION_RUN_AT),
      t0Limits: {
        singleLimitFen: BigInt(config.SETTLEMENT_T0_SINGLE_LIMIT_FEN),
        dailyQuotaFen: BigInt(config.SETTLEMENT_T0_DAILY_QUOTA_FEN),
      },
      bankTimeoutMs: config.SETTLEMENT_BANK_TIMEOUT_MS,
      payoutLeaseMs: config.SETTLEMENT_PAYOUT_LEASE_MS,
      walletMerchantId: config.SETTLEMENT_WALLET_MERCHANT_ID,
      logger,
      busEnv: process.env,
      meter,
    });
    logger.info({ grpcPort: service.grpcPort }, 'settlement gRPC listening');
    return {
      readiness: [{ name: 'postgres', check: service.isReady }],
      stop: () => service.stop(config.SHUTDOWN_GRACE_MS),
    };
  },
});
