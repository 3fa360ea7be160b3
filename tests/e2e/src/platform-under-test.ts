import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PLATFORM_SERVICES, type PlatformService } from '@acq/scripts/platform-services.ts';
import { PlatformSupervisor } from '@acq/scripts/platform-supervisor.ts';

/** Start-up of all services, counting the embedded schema migrations of a fresh database. */
const PLATFORM_READY_TIMEOUT_MS = 90_000;
/** A Redis logical database of its own, flushed at start, so runs never see each other's counters. */
const E2E_REDIS_DATABASE = 7;

export interface PlatformUnderTest {
  environment: NodeJS.ProcessEnv;
  databaseUrl: string;
  supervisor: PlatformSupervisor;
  logs: string[];
  stop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Starts every service as its own process against a fresh database on the machine's PostgreSQL
 * (DATABASE_URL, default the local one) and a flushed Redis database, exactly as `npm start` runs
 * them. The database is dropped when the run stops.
 */
export async function startPlatformUnderTest(
  extraEnvironment: NodeJS.ProcessEnv = {},
  services: readonly PlatformService[] = servicesFromEnvironment(),
  nodeArgumentsFor?: (service: PlatformService) => readonly string[],
): Promise<PlatformUnderTest> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `acq_e2e_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const redisBase = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisUrl = `${redisBase.replace(/\/[0-9]*$/, '')}/${E2E_REDIS_DATABASE}`;
  await flushRedis(redisUrl);
  const databaseUrl = withDatabase(adminUrl, database);
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    // The largest risk budget authorization accepts: these tests check behaviour, and a CI machine
    // running other suites can delay an event loop past the 20 ms production default.
    RISK_TIMEOUT_MS: '50',
    ...extraEnvironment,
  };
  const logs: string[] = [];
  const supervisor = new PlatformSupervisor({
    services,
    environment,
    ...(nodeArgumentsFor === undefined ? {} : { nodeArgumentsFor }),
    writeLine: (line) => {
      logs.push(line);
      if (process.env.E2E_SHOW_LOGS === '1') process.stdout.write(`${line}\n`);
    },
  });
  supervisor.startAll();
  try {
    await supervisor.waitUntilReady(PLATFORM_READY_TIMEOUT_MS);
  } catch (error) {
    await supervisor.stopAll();
    process.stderr.write(`${logs.slice(-60).join('\n')}\n`);
    throw error;
  }
  return {
    environment,
    databaseUrl,
    supervisor,
    logs,
    async stop() {
      await supervisor.stopAll();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

async function flushRedis(url: string): Promise<void> {
  const { createConnection } = await import('node:net');
  const parsed = new URL(url);
  const databaseIndex = parsed.pathname.slice(1) || '0';
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host: parsed.hostname, port: Number(parsed.port || 6379) }, () => {
      socket.write(`SELECT ${databaseIndex}\r\nFLUSHDB\r\nQUIT\r\n`);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve());
    socket.resume();
  });
}

/** E2E_SERVICES=name,name limits a run to some services while debugging one of them. */
function servicesFromEnvironment(): readonly PlatformService[] {
  const names = process.env.E2E_SERVICES?.split(',');
  if (names === undefined) return PLATFORM_SERVICES;
  return PLATFORM_SERVICES.filter((service) => names.includes(service.name));
}
