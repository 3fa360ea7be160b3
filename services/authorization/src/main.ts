/** Authorization service process: config from env, then startAuthorizationService inside the service shell. */
import { fen } from '@acq/money';
import { runService } from '@acq/service-kit';
import { authorizationConfigSchema } from './config.ts';
import { MERCHANT_CALL_TIMEOUT_MS_MAX } from './limits.ts';
import { startAuthorizationService } from './start-authorization-service.ts';

await runService({
  name: 'authorization',
  configSchema: authorizationConfigSchema,
  opsPortVariable: 'AUTHORIZATION_OPS_PORT',
  async start({ config, logger, meter }) {
    const service = await startAuthorizationService({
      databaseUrl: config.DATABASE_URL,
      schema: config.AUTHORIZATION_DB_SCHEMA,
      grpcPort: config.AUTHORIZATION_GRPC_PORT,
      instanceId: config.AUTHORIZATION_INSTANCE_ID,
      masterKeyHex: config.HSM_MASTER_KEY,
      zonePinKey: config.NETWORK_ZPK_UNDER_MASTER_KEY,
      merchantAddress: config.MERCHANT_GRPC_URL,
      riskAddress: config.RISK_GRPC_URL,
      networkAddress: config.NETWORK_SIM_ISO_URL,
      groupCommit: { windowMs: config.GROUP_COMMIT_WINDOW_MS, rowsMax: config.GROUP_COMMIT_ROWS_MAX },
      settings: {
        transactionBudgetMs: config.AUTHORIZATION_TRANSACTION_BUDGET_MS,
        stepTimeoutMs: config.AUTHORIZATION_STEP_TIMEOUT_MS,
        upstreamTimeoutMs: config.AUTHORIZATION_UPSTREAM_TIMEOUT_MS,
        riskTimeoutMs: config.RISK_TIMEOUT_MS,
        riskFailOpen: config.RISK_FAIL_OPEN,
        merchantCallTimeoutMs: MERCHANT_CALL_TIMEOUT_MS_MAX,
        contactlessNoPinLimitFen: fen(config.CONTACTLESS_NO_PIN_LIMIT_FEN),
        completionPercentOfPreauthMax: BigInt(config.COMPLETION_PERCENT_OF_PREAUTH_MAX),
        cardTokenKey: Buffer.from(config.CARD_TOKEN_KEY, 'hex'),
        acquirerInstitutionId: config.ACQUIRER_INSTITUTION_ID,
      },
      logger,
      meter,
      busEnv: process.env,
    });
    logger.info({ grpcPort: service.grpcPort }, 'authorization gRPC listening');
    return {
      readiness: [{ name: 'postgres+network', check: service.isReady }],
      stop: () => service.stop(config.SHUTDOWN_GRACE_MS),
    };
  },
});
