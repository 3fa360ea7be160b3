import { createServer, type Server } from 'node:http';
import type { Meter, Tracer } from '@opentelemetry/api';
import { ConfigError, type ConfigOf, loadConfig, type Schema } from '@acq/config';
import { createLogger, createMetrics, createTracing, type Logger } from '@acq/telemetry';
import { commonConfigSchema } from './common-config.ts';
import { createOpsHandler, type OpsState, type ReadinessCheck } from './ops.ts';

export interface ServiceRuntime<S extends Schema> {
  config: ConfigOf<S> & ConfigOf<typeof commonConfigSchema>;
  logger: Logger;
  meter: Meter;
  tracer: Tracer;
  /** The ops state; a service that serves its own HTTP (the gateway) mounts createOpsHandler(ops). */
  ops: OpsState;
}

export interface RunningService {
  readiness: readonly ReadinessCheck[];
  /** Stop taking new work, finish in-flight work, close connections. Bounded by SHUTDOWN_GRACE_MS. */
  stop(): Promise<void>;
}

export interface ServiceDefinition<S extends Schema> {
  name: string;
  configSchema: S;
  /** The env variable holding the ops port; omit when the service mounts the ops handler itself. */
  opsPortVariable?: keyof S & string;
  start(runtime: ServiceRuntime<S>): Promise<RunningService>;
}

/** Exit status for configuration errors (sysexits EX_CONFIG). */
const EXIT_CONFIG = 78;

function loadOrExit<S extends Schema>(name: string, schema: S): ConfigOf<S> {
  try {
    return loadConfig(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`${name}: config: ${problem}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
}

async function listenOps(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function runService<S extends Schema>(definition: ServiceDefinition<S>): Promise<void> {
  const schema = { ...commonConfigSchema, ...definition.configSchema };
  const config = loadOrExit(definition.name, schema) as ServiceRuntime<S>['config'];
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const metrics = createMetrics(definition.name);
  const tracing = createTracing({
    service: definition.name,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    sampleRatio: config.OTEL_TRACES_SAMPLER_ARG / 100,
  });
  installCrashHandlers(logger);
  const ops: OpsState = { accepting: false, checks: [], metrics: metrics.handle };
  const opsHandler = createOpsHandler(ops);
  const opsServer = createServer((request, response) => {
    opsHandler(request, response).then(
      (handled) => {
        if (!handled) response.writeHead(404).end();
      },
      (error: unknown) => {
        logger.error({ err: error }, 'ops request failed');
        response.writeHead(500).end();
      },
    );
  });
  const running = await definition.start({ config, logger, meter: metrics.meter, tracer: tracing.tracer, ops });
  ops.checks = running.readiness;
  ops.accepting = true;
  if (definition.opsPortVariable !== undefined) {
    await listenOps(opsServer, config[definition.opsPortVariable] as number);
  }
  logger.info({ opsPort: definition.opsPortVariable && config[definition.opsPortVariable] }, 'service started');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting without drain');
      process.exit(1);
    }
    stopping = true;
    ops.accepting = false;
    logger.info({ signal }, 'shutdown started');
    const forced = setTimeout(() => {
      logger.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'drain exceeded grace period, exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    forced.unref();
    await running.stop();
    opsServer.close();
    await Promise.allSettled([metrics.shutdown(), tracing.shutdown()]);
    logger.info('shutdown complete');
    logger.flush();
    process.exit(0);
  };
  watchSupervisor(() => {
    shutdown('supervisor gone').catch((error: unknown) => {
      logger.fatal({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      shutdown(signal).catch((error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    });
  }
}

/** How often a supervised service checks that its supervisor is still its parent. */
const SUPERVISOR_CHECK_INTERVAL_MS = 1_000;

/**
 * Under the local supervisor (ACQ_SUPERVISOR_PID set) a service whose supervisor died, killed
 * before it could stop its children, shuts itself down instead of running on as an orphan.
 */
function watchSupervisor(onOrphaned: () => void): void {
  const supervisorPid = Number(process.env.ACQ_SUPERVISOR_PID ?? 0);
  if (supervisorPid <= 0) return;
  const timer = setInterval(() => {
    if (process.ppid === supervisorPid) return;
    clearInterval(timer);
    onOrphaned();
  }, SUPERVISOR_CHECK_INTERVAL_MS);
  timer.unref();
}

/** A thrown assertion or unhandled rejection is a bug: log it and crash; the supervisor restarts us. */
function installCrashHandlers(logger: Logger): void {
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    logger.flush();
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection');
    logger.flush();
    process.exit(1);
  });
}
