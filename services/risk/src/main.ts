/** Risk service process: the risk app inside the service-kit shell (config, telemetry, ops, shutdown). */
import { runService } from '@acq/service-kit';
import { FAST_STEP_BUCKETS_MS } from '@acq/telemetry';
import { policyFromConfig, policySchema, riskConfigSchema } from './config.ts';
import { startRiskApp } from './risk-app.ts';

await runService({
  name: 'risk',
  configSchema: { ...riskConfigSchema, ...policySchema() },
  opsPortVariable: 'RISK_OPS_PORT',
  async start({ config, logger, meter }) {
    const assessDuration = meter.createHistogram('risk_assess_duration_ms', {
      unit: 'ms',
      description: 'Assess processing time inside risk',
      advice: { explicitBucketBoundaries: FAST_STEP_BUCKETS_MS },
    });
    const rulesFired = meter.createCounter('risk_rule_fired_total', {
      description: 'Rule firings on the decision path, by rule (limit.unavailable = Redis slow or down)',
    });
    const monitorDropped = meter.createObservableCounter('risk_monitor_dropped_total', {
      description: 'Signals and pattern observations dropped because the monitor queue was full',
    });
    const monitorProcessed = meter.createObservableCounter('risk_monitor_processed_total', {
      description: 'Signals and pattern observations the monitor processed',
    });
    const app = await startRiskApp({
      databaseUrl: config.DATABASE_URL,
      schema: config.RISK_DATABASE_SCHEMA,
      redisUrl: config.REDIS_URL,
      redisKeyPrefix: config.RISK_REDIS_KEY_PREFIX,
      redisCommandTimeoutMs: config.RISK_REDIS_COMMAND_TIMEOUT_MS,
      grpcPort: config.RISK_GRPC_PORT,
      policy: policyFromConfig(config as unknown as Record<string, unknown>),
      busEnv: process.env,
      logger,
      observeAssess: (elapsedMs, decision, firedRules) => {
        assessDuration.record(elapsedMs, { decision });
        for (const rule of firedRules) rulesFired.add(1, { rule });
      },
    });
    monitorDropped.addCallback((result) => result.observe(app.monitor.droppedCount));
    monitorProcessed.addCallback((result) => result.observe(app.monitor.processedCount));
    logger.info({ grpcPort: app.grpcPort }, 'risk listening');
    return {
      readiness: app.readiness,
      stop: () => app.stop(config.SHUTDOWN_GRACE_MS / 2),
    };
  },
});
