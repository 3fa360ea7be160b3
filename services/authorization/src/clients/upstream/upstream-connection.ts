/**
 * One persistent TCP link to the network. It only moves frames: writes are coalesced into one socket
 * write per event-loop turn (throughput with many small messages), reads are split into frames and
 * decoded, and any framing or decoding failure closes the link, because after garbage the byte stream
 * can no longer be trusted. Matching responses to requests is the pool's job.
 */
import { type Socket, connect } from 'node:net';
import { assert } from '@acq/assert';
import type { DecodedMessage, NetworkCodec } from './network-codec.ts';
import type { NetworkMessage } from './network-message.ts';
import type { UpstreamLogger } from './types.ts';

export type ConnectionState = 'connecting' | 'connected' | 'ready' | 'closed';
export type CloseReason = 'connect_failed' | 'peer_closed' | 'socket_error' | 'garbage_frame' | 'dead' | 'shutdown';

export interface ConnectionEvents {
  onConnected(connection: UpstreamConnection): void;
  onMessage(connection: UpstreamConnection, message: NetworkMessage): void;
  /** A well-formed message whose MAC is missing or wrong: never acted on. */
  onUnauthentic(connection: UpstreamConnection, message: NetworkMessage): void;
  onClosed(connection: UpstreamConnection, reason: CloseReason): void;
}

export interface ConnectionOptions {
  id: number;
  host: string;
  port: number;
  codec: NetworkCodec;
  connectTimeoutMs: number;
  writeBufferBytesMax: number;
  logger: UpstreamLogger;
  events: ConnectionEvents;
}

export class UpstreamConnection {
  readonly id: number;
  readonly #options: ConnectionOptions;
  readonly #socket: Socket;
  readonly #frameReader: ReturnType<NetworkCodec['createFrameReader']>;
  #state: ConnectionState = 'connecting';
  #pendingWrites: Buffer[] = [];
  #pendingWriteBytes = 0;
  #flushScheduled = false;
  #connectTimer: NodeJS.Timeout | undefined;
  /** Keys of requests awaiting an answer on this link (maintained by the pool). */
  readonly inFlightKeys = new Set<string>();
  lastActivityAtMs = Date.now();

  constructor(options: ConnectionOptions) {
    assert(options.port > 0 && options.port < 65_536, 'upstream port must be a TCP port');
    assert(options.writeBufferBytesMax > 0, 'write buffer bound must be positive');
    this.id = options.id;
    this.#options = options;
    this.#frameReader = options.codec.createFrameReader();
    this.#socket = connect({ host: options.host, port: options.port, noDelay: true });
    this.#connectTimer = setTimeout(() => this.close('connect_failed'), options.connectTimeoutMs);
    this.#socket.once('connect', () => this.#handleConnect());
    this.#socket.on('data', (chunk: Buffer) => this.#handleData(chunk));
    this.#socket.on('error', (error: NodeJS.ErrnoException) => this.#handleSocketError(error));
    this.#socket.on('close', () => this.close(this.#state === 'connecting' ? 'connect_failed' : 'peer_closed'));
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Marks the link usable for traffic once the sign-on has been answered. */
  markReady(): void {
    assert(this.#state === 'connected', 'only a connected link becomes ready');
    this.#state = 'ready';
  }

  /** Bytes accepted but not yet handed to the kernel: the back-pressure signal. */
  get bufferedBytes(): number {
    return this.#pendingWriteBytes + this.#socket.writableLength;
  }

  /** False when the link cannot take the frame now (closed or saturated); the caller picks another. */
  write(frame: Buffer): boolean {
    assert(frame.length > 0, 'empty frame');
    if (this.#state === 'closed' || this.#state === 'connecting') return false;
    if (this.bufferedBytes + frame.length > this.#options.writeBufferBytesMax) return false;
    this.#pendingWrites.push(frame);
    this.#pendingWriteBytes += frame.length;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return true;
  }

  close(reason: CloseReason): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#connectTimer);
    this.#pendingWrites = [];
    this.#pendingWriteBytes = 0;
    this.#socket.destroy();
    this.#options.events.onClosed(this, reason);
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#state === 'closed' || this.#pendingWrites.length === 0) return;
    const writes = this.#pendingWrites;
    this.#pendingWrites = [];
    this.#pendingWriteBytes = 0;
    const chunk = writes.length === 1 ? writes[0] : Buffer.concat(writes);
    assert(chunk !== undefined, 'a flush has at least one frame');
    this.#socket.write(chunk);
  }

  #handleConnect(): void {
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    if (this.#state !== 'connecting') return;
    this.#state = 'connected';
    this.lastActivityAtMs = Date.now();
    this.#options.events.onConnected(this);
  }

  #handleData(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    this.lastActivityAtMs = Date.now();
    let bodies: Buffer[];
    try {
      bodies = this.#frameReader.push(chunk);
    } catch (error) {
      this.#resetOnGarbage(error);
      return;
    }
    for (const body of bodies) {
      // A message handler may have closed the link (for example a refused sign-on).
      if (this.state === 'closed') return;
      let decoded: DecodedMessage;
      try {
        decoded = this.#options.codec.decode(body);
      } catch (error) {
        this.#resetOnGarbage(error);
        return;
      }
      if (decoded.authentic) this.#options.events.onMessage(this, decoded.message);
      else this.#options.events.onUnauthentic(this, decoded.message);
    }
  }

  #resetOnGarbage(error: unknown): void {
    this.#options.logger.warn(
      { connectionId: this.id, errorCode: errorCodeOf(error), error: errorMessageOf(error) },
      'upstream garbage frame, resetting connection',
    );
    this.close('garbage_frame');
  }

  #handleSocketError(error: NodeJS.ErrnoException): void {
    this.#options.logger.warn(
      { connectionId: this.id, errorCode: error.code ?? 'unknown', state: this.#state },
      'upstream socket error',
    );
    this.close(this.#state === 'connecting' ? 'connect_failed' : 'socket_error');
  }
}

export function errorCodeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'unknown';
}

/** Codec and socket errors carry log-safe messages (no field content); anything else is reduced to its name. */
export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
