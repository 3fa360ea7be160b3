/** Logs (pino, redacted), metrics (OpenTelemetry -> Prometheus text) and traces (OpenTelemetry, W3C). */
export { createLogger, REDACTED_PATHS, type Logger, type LoggerOptions } from './logger.ts';
export { createMetrics, FAST_STEP_BUCKETS_MS, LATENCY_BUCKETS_MS, type MetricsRuntime } from './metrics.ts';
export {
  createTracing,
  injectTraceContext,
  withExtractedTraceContext,
  type TracingOptions,
  type TracingRuntime,
} from './tracing.ts';
