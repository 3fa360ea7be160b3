/**
 * Starts real services as child processes on free ports: network-sim (identity verification, SMS and
 * bank micro-deposits for the card registry's tests) and any other service's main.ts. Services are
 * run, not imported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

const NETWORK_SIM_MAIN = join(import.meta.dirname, '../../../network-sim/src/main.ts');
const START_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5_000;
const READY_POLL_INTERVAL_MS = 100;

export interface NetworkSimProcess {
  readonly httpUrl: string;
  /** JSON over the admin API; throws on a non-2xx answer. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address !== 'object') throw new Error('no TCP address');
  return address.port;
}

async function waitReady(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service process exited with ${child.exitCode}`);
    const ready = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_INTERVAL_MS));
  }
  throw new Error(`the service at ${baseUrl} did not become ready`);
}

export type ServiceProcess = { stop(): Promise<void> };

/** Runs a service's main.ts with `env` and waits until its ops /readyz answers 200. */
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
    httpUrl,
  );
  return {
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
