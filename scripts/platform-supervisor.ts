import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { assert } from '@acq/assert';
import type { PlatformService } from './platform-services.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** A crashed service is restarted after this delay, doubling up to the maximum. */
const RESTART_DELAY_MS_MIN = 500;
const RESTART_DELAY_MS_MAX = 10_000;
/** How long a stopping service may drain before it is killed. */
const STOP_GRACE_MS = 20_000;
const READY_POLL_INTERVAL_MS = 250;

interface Supervised {
  service: PlatformService;
  child: ChildProcess | undefined;
  restarts: number;
  restartDelayMs: number;
  stopping: boolean;
}

export interface SupervisorOptions {
  services: readonly PlatformService[];
  environment: NodeJS.ProcessEnv;
  /** Where each prefixed log line goes; the local start prints to stdout. */
  writeLine(line: string): void;
  /** Node flags per service (e.g. `--cpu-prof` for one service of a bench run); none by default. */
  nodeArgumentsFor?(service: PlatformService): readonly string[];
}

/**
 * Runs every service as its own process with prefixed logs, restarts one that crashes (a failed
 * assertion is a crash by design), and stops all of them in reverse order, draining each.
 */
export class PlatformSupervisor {
  readonly #options: SupervisorOptions;
  readonly #supervised: Supervised[];

  constructor(options: SupervisorOptions) {
    assert(options.services.length > 0, 'nothing to supervise');
    this.#options = options;
    this.#supervised = options.services.map((service) => ({
      service,
      child: undefined,
      restarts: 0,
      restartDelayMs: RESTART_DELAY_MS_MIN,
      stopping: false,
    }));
  }

  startAll(): void {
    for (const entry of this.#supervised) this.#spawn(entry);
  }

  /** The process of one service, for fault-injection tests that kill -9 it. */
  processOf(name: string): ChildProcess | undefined {
    return this.#supervised.find((entry) => entry.service.name === name)?.child;
  }

  restartsOf(name: string): number {
    return this.#supervised.find((entry) => entry.service.name === name)?.restarts ?? 0;
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const waiting = new Set(this.#supervised.map((entry) => entry.service));
    while (waiting.size > 0) {
      for (const service of waiting) {
        const ready = await fetch(service.readyUrl, { signal: AbortSignal.timeout(READY_POLL_INTERVAL_MS * 4) }).then(
          (response) => response.status === 200,
          () => false,
        );
        if (ready) waiting.delete(service);
      }
      if (waiting.size === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`not ready after ${timeoutMs} ms: ${[...waiting].map((service) => service.name).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_INTERVAL_MS));
    }
  }

  async stopAll(): Promise<void> {
    // Ctrl-C reaches every process of the terminal's group at once: mark all as stopping first so a
    // service that exits on its own signal is not restarted.
    for (const entry of this.#supervised) entry.stopping = true;
    for (const entry of [...this.#supervised].reverse()) await this.#stop(entry);
  }

  #spawn(entry: Supervised): void {
    const main = `${REPOSITORY_ROOT}services/${entry.service.name}/src/main.ts`;
    const nodeArguments = this.#options.nodeArgumentsFor?.(entry.service) ?? [];
    const child = spawn(process.execPath, [...nodeArguments, main], {
      cwd: REPOSITORY_ROOT,
      env: { ...this.#options.environment, ACQ_SUPERVISOR_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    entry.child = child;
    const prefix = `[${entry.service.name}]`.padEnd(16);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.#options.writeLine(`${prefix}${line}`));
    }
    child.once('exit', (code, signal) => {
      if (entry.child === child) entry.child = undefined;
      if (entry.stopping) return;
      entry.restarts++;
      this.#options.writeLine(
        `${prefix}exited (code ${code}, signal ${signal}); restarting in ${entry.restartDelayMs} ms`,
      );
      const delayMs = entry.restartDelayMs;
      entry.restartDelayMs = Math.min(entry.restartDelayMs * 2, RESTART_DELAY_MS_MAX);
      setTimeout(() => {
        if (!entry.stopping) this.#spawn(entry);
      }, delayMs).unref();
    });
  }

  async #stop(entry: Supervised): Promise<void> {
    const child = entry.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
