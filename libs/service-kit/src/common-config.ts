import { env, optional } from '@acq/config';

/** Variables every service reads, besides its own. */
export const commonConfigSchema = {
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
    description: 'pino log level',
    default: 'info',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(
    env.url({ description: 'OTLP/HTTP endpoint for traces; unset = no export', protocols: ['http:', 'https:'] }),
  ),
  OTEL_TRACES_SAMPLER_ARG: env.integer({
    description: 'Percentage of root traces sampled when exporting (0-100)',
    default: 10,
    min: 0,
    max: 100,
  }),
  SHUTDOWN_GRACE_MS: env.integer({
    description: 'How long a stopping service may drain in-flight work before it exits anyway',
    default: 15_000,
    min: 100,
    max: 120_000,
  }),
};
