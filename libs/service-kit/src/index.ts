/**
 * The process shell every service runs in: validated config, telemetry, the ops HTTP endpoints
 * (/healthz, /readyz, /metrics), and graceful shutdown (stop taking work, drain, close). A service
 * supplies only its own start function, which returns its readiness checks and its stop function.
 */
export { runService, type ServiceDefinition, type ServiceRuntime, type RunningService } from './run-service.ts';
export { createOpsHandler, checkReadiness, type ReadinessCheck, type ReadinessReport } from './ops.ts';
export { commonConfigSchema } from './common-config.ts';
export { platformVariables } from './platform-variables.ts';
