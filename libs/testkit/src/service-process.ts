/**
 * Real services as child processes on free ports, for a service's integration tests: network-sim
 * (the card network, bank rails, identity provider) and any other service's main.ts. Services are
 * run, never imported: a service does not import another service's code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const NETWORK_SIM_MAIN = join(import.meta.dirname, '../../../services/network-sim/src/main.ts');
/** Starting a service can take many seconds on a loaded 2-core machine. */
const START_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 5_000;
const READY_POLL_INTERVAL_MS = 100;

export interface ServiceProcess {
  stop(): Promise<void>;
}

export interface NetworkSimProcess extends ServiceProcess {
  /** The ISO 8583 upstream link, host:port. */
  readonly isoAddress: string;
  readonly httpUrl: string;
  /** JSON over the admin API; throws on a non-2xx answer. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function networkSimAvailable(): boolean {
  return existsSync(NETWORK_SIM_MAIN);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function waitReady(readyUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service process exited with ${child.exitCode}`);
    const ready = await fetch(readyUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_INTERVAL_MS));
  }
  throw new Error(`${readyUrl} did not answer 200 within ${START_TIMEOUT_MS} ms`);
}

/** Runs a service's main.ts with `env` and waits until `readyUrl` (its /readyz) answers 200. */
export async function startServiceProcess(
  mainPath: string,
  env: Record<string, string>,
  readyUrl: string,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [mainPath], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitReady(readyUrl, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export async function startNetworkSim(): Promise<NetworkSimProcess> {
  const [httpPort, isoPort] = [await freePort(), await freePort()];
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const simProcess = await startServiceProcess(
    NETWORK_SIM_MAIN,
    { NETWORK_SIM_HTTP_PORT: String(httpPort), NETWORK_SIM_ISO_PORT: String(isoPort), NETWORK_SIM_HOST: '127.0.0.1' },
    `${httpUrl}/readyz`,
  );
  return {
    isoAddress: `127.0.0.1:${isoPort}`,
    httpUrl,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const init: RequestInit = { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const response = await fetch(`${httpUrl}${path}`, init);
      const text = await response.text();
      if (!response.ok) throw new Error(`network-sim ${method} ${path} answered ${response.status}: ${text}`);
      return (text.length === 0 ? undefined : JSON.parse(text)) as T;
    },
    stop: () => simProcess.stop(),
  };
}
