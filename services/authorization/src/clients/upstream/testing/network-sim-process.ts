/**
 * Starts the real network-sim service as a child process on free ports, for the connector's tests
 * against the network it will meet in development. The service is run, not imported: a service
 * never imports another service's code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const NETWORK_SIM_MAIN = join(import.meta.dirname, '../../../../../network-sim/src/main.ts');
const START_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5_000;

export interface NetworkSimProcess {
  isoAddress: string;
  httpUrl: string;
  /** JSON over the admin API; throws on a non-2xx answer. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export function networkSimAvailable(): boolean {
  return existsSync(NETWORK_SIM_MAIN);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address !== 'object') throw new Error('no TCP address');
  return address.port;
}

async function waitReady(httpUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`network-sim exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (response.ok) return;
    } catch {
      // Not listening yet: keep polling until the start deadline.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('network-sim did not become ready');
}

export async function startNetworkSim(): Promise<NetworkSimProcess> {
  const [httpPort, isoPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [NETWORK_SIM_MAIN], {
    env: {
      ...process.env,
      NETWORK_SIM_HTTP_PORT: String(httpPort),
      NETWORK_SIM_ISO_PORT: String(isoPort),
      NETWORK_SIM_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitReady(httpUrl, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
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
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
