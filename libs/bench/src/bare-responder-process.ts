/**
 * Ceiling mode runs the bare responder in a child process, as the real platform runs apart from
 * the load generator: the child prints one JSON line {port, tmkHex} when it listens, and stops on
 * SIGTERM or when its parent's stdin closes (so it never outlives a crashed bench).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { assert } from '@acq/assert';

/** How long the child may take to start listening before the bench gives up. */
export const BARE_RESPONDER_START_TIMEOUT_MS = 15_000;
/** How long the child may take to exit after SIGTERM before it is killed. */
export const BARE_RESPONDER_STOP_TIMEOUT_MS = 5_000;

const CHILD_ENTRY = join(import.meta.dirname, 'bare-responder-main.ts');

export interface BareResponderProcess {
  port: number;
  tmkHex: string;
  pid: number;
  stop(): Promise<void>;
}

function readAnnouncement(child: ChildProcess): Promise<{ port: number; tmkHex: string }> {
  assert(child.stdout !== null, 'the child has a stdout pipe');
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`bare responder did not start within ${BARE_RESPONDER_START_TIMEOUT_MS} ms`));
    }, BARE_RESPONDER_START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bare responder exited with code ${code} before listening`));
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const announced = JSON.parse(line) as { port: number; tmkHex: string };
      assert(Number.isInteger(announced.port) && announced.port > 0, 'the child announces its port');
      resolve(announced);
    });
  });
}

export async function spawnBareResponder(port = 0): Promise<BareResponderProcess> {
  const child = spawn(process.execPath, [CHILD_ENTRY, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  assert(child.pid !== undefined, 'the child process started');
  const pid = child.pid;
  let announced: { port: number; tmkHex: string };
  try {
    announced = await readAnnouncement(child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    ...announced,
    pid,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), BARE_RESPONDER_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
