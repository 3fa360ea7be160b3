import { connect, type Socket } from 'node:net';
import { cupPosSpec, type DecodedTerminalFrame, decodeTerminalFrame, LengthPrefixedFrameReader } from '@acq/iso8583';

/** Replies a connection waits for at once; terminals send one at a time, the bench pipelines. */
export const TERMINAL_CONNECTION_IN_FLIGHT_MAX = 1_024;

interface Waiter {
  resolve(frame: DecodedTerminalFrame): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * One TCP connection to the gateway, as a terminal holds it: frames out, replies matched to their
 * requests by field 11 (STAN), each with its own timeout. A timeout rejects with code TIMEOUT so
 * the caller can send the reversal a terminal would.
 */
export class TerminalConnection {
  readonly #socket: Socket;
  readonly #reader = new LengthPrefixedFrameReader();
  readonly #waiters = new Map<string, Waiter>();
  #closedError: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#failAll(error));
    socket.on('close', () => this.#failAll(new Error('connection closed by the gateway')));
  }

  static open(host: string, port: number, timeoutMs = 5_000): Promise<TerminalConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new TerminalConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get closed(): boolean {
    return this.#closedError !== undefined;
  }

  /** Sends a complete frame (with its length prefix) and waits for the reply carrying this STAN. */
  exchange(frame: Buffer, stan: string, timeoutMs: number): Promise<DecodedTerminalFrame> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    if (this.#waiters.size >= TERMINAL_CONNECTION_IN_FLIGHT_MAX) return Promise.reject(new Error('too many in flight'));
    if (this.#waiters.has(stan)) return Promise.reject(new Error(`STAN ${stan} already in flight`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(stan);
        reject(Object.assign(new Error(`no reply within ${timeoutMs} ms`), { code: 'TIMEOUT' }));
      }, timeoutMs);
      this.#waiters.set(stan, { resolve, reject, timer });
      this.#socket.write(frame);
    });
  }

  /** Writes raw bytes with no reply expected (hostile-input tests). */
  writeRaw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.#reader.push(chunk);
    } catch (error) {
      this.#failAll(error as Error);
      this.#socket.destroy();
      return;
    }
    for (const body of bodies) {
      const frame = decodeTerminalFrame(cupPosSpec, body);
      const stan = frame.message.fields.get(11);
      const waiter = typeof stan === 'string' ? this.#waiters.get(stan) : undefined;
      if (waiter === undefined || typeof stan !== 'string') continue;
      this.#waiters.delete(stan);
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
    }
  }

  #failAll(error: Error): void {
    this.#closedError ??= error;
    for (const waiter of this.#waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.#waiters.clear();
  }
}
