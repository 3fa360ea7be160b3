import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@acq/db';

/** Collects warnings and errors so tests can assert on them without printing noise. */
export function recordingLogger(): Logger & { lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  return {
    lines,
    info: () => {},
    warn: (fields, message) => {
      // BUS_TEST_DEBUG=1 prints warnings live, which helps when a Kafka rebalance stalls a test.
      if (process.env.BUS_TEST_DEBUG === '1') console.log(new Date().toISOString(), message, JSON.stringify(fields));
      lines.push({ level: 'warn', message, fields });
    },
    error: (fields, message) => lines.push({ level: 'error', message, fields }),
  };
}

export async function waitFor(description: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
}

export function encodeSequence(sequence: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ sequence }));
}

export function decodeSequence(payload: Uint8Array): number {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { sequence?: unknown }).sequence !== 'number'
  ) {
    throw new Error('test payload must carry a sequence');
  }
  return (parsed as { sequence: number }).sequence;
}

const RELAY_CHILD_PATH = fileURLToPath(new URL('./fixtures/relay-child.ts', import.meta.url));

/** Starts the relay fixture in a child process and resolves once it reports its first publish. */
export async function startRelayChildUntilFirstPublish(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [RELAY_CHILD_PATH], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.stdout === null) throw new Error('child stdout is piped');
  const lines = createInterface({ input: child.stdout });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('relay child did not publish within 20 s')), 20_000);
      lines.on('line', (line) => {
        if (!line.startsWith('published ')) return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`relay child exited with ${code}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

export async function killWithSigkill(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
