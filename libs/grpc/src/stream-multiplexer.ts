import type { ClientDuplexStream } from '@grpc/grpc-js';
import { assert } from '@acq/assert';

/** The stream is down or full: the request was not sent, so the caller may fall back (e.g. unary). */
export class StreamUnavailableError extends Error {
  override readonly name = 'StreamUnavailableError';
  readonly code = 'STREAM_UNAVAILABLE';
}

/** The request was sent but no answer came back in time, or the stream broke: its outcome is unknown. */
export class StreamOutcomeUnknownError extends Error {
  override readonly name = 'StreamOutcomeUnknownError';
  readonly code = 'STREAM_OUTCOME_UNKNOWN';
}

export interface StreamMultiplexerOptions<Request, Response> {
  open(): ClientDuplexStream<Request, Response>;
  correlationIdOf(response: Response): string;
  /** Requests waiting for answers across all streams; beyond it requests are refused, not queued. */
  inFlightMax: number;
  /** Streams opened in parallel; requests go round-robin so several server processes share work. */
  streamCount: number;
  reconnectDelayMsMin: number;
  reconnectDelayMsMax: number;
  onStreamError?(error: unknown): void;
}

interface Pending<Request, Response> {
  resolve(response: Response): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  lane: Lane<Request, Response>;
}

interface Lane<Request, Response> {
  index: number;
  stream: ClientDuplexStream<Request, Response> | undefined;
  reconnectDelayMs: number;
}

/**
 * Many requests over a few long-lived bidirectional streams, each matched to its answer by a
 * correlation id, each with its own deadline. A broken stream fails only its own in-flight requests
 * and is reopened with exponential backoff.
 */
export class StreamMultiplexer<Request, Response> {
  readonly #options: StreamMultiplexerOptions<Request, Response>;
  readonly #pending = new Map<string, Pending<Request, Response>>();
  readonly #lanes: Lane<Request, Response>[] = [];
  #nextLane = 0;
  #closed = false;

  constructor(options: StreamMultiplexerOptions<Request, Response>) {
    assert(options.streamCount >= 1 && options.streamCount <= 64, 'streamCount must be 1..64');
    assert(options.inFlightMax >= 1, 'inFlightMax must be positive');
    assert(options.reconnectDelayMsMin <= options.reconnectDelayMsMax, 'reconnect delays out of order');
    this.#options = options;
    for (let index = 0; index < options.streamCount; index++) {
      const lane: Lane<Request, Response> = { index, stream: undefined, reconnectDelayMs: options.reconnectDelayMsMin };
      this.#lanes.push(lane);
      this.#openLane(lane);
    }
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  get connectedStreams(): number {
    return this.#lanes.filter((lane) => lane.stream !== undefined).length;
  }

  request(correlationId: string, request: Request, timeoutMs: number): Promise<Response> {
    if (this.#closed) return Promise.reject(new StreamUnavailableError('multiplexer closed'));
    if (this.#pending.size >= this.#options.inFlightMax) {
      return Promise.reject(new StreamUnavailableError('too many requests in flight'));
    }
    if (this.#pending.has(correlationId)) {
      return Promise.reject(new StreamUnavailableError('correlation id already in flight'));
    }
    const lane = this.#pickLane();
    if (lane?.stream === undefined) return Promise.reject(new StreamUnavailableError('no stream connected'));
    const stream = lane.stream;
    return new Promise<Response>((resolve, reject) => {
      // Node runs expired timers before it reads sockets: after the event loop was blocked (GC, a
      // busy CPU) the deadline would fire ahead of an answer already waiting on the socket. The
      // timer therefore gives I/O one turn (setImmediate runs after the poll phase) before it
      // declares the outcome unknown.
      const timer = setTimeout(() => {
        setImmediate(() => {
          if (this.#pending.get(correlationId)?.timer !== timer) return; // answered meanwhile
          this.#pending.delete(correlationId);
          reject(new StreamOutcomeUnknownError(`no answer within ${timeoutMs} ms`));
        });
      }, timeoutMs);
      this.#pending.set(correlationId, { resolve, reject, timer, lane });
      stream.write(request);
    });
  }

  close(): void {
    this.#closed = true;
    for (const lane of this.#lanes) {
      lane.stream?.end();
      lane.stream = undefined;
    }
    this.#failPending(() => true, new StreamOutcomeUnknownError('multiplexer closed'));
  }

  #pickLane(): Lane<Request, Response> | undefined {
    for (let attempt = 0; attempt < this.#lanes.length; attempt++) {
      const lane = this.#lanes[this.#nextLane];
      this.#nextLane = (this.#nextLane + 1) % this.#lanes.length;
      if (lane?.stream !== undefined) return lane;
    }
    return undefined;
  }

  #openLane(lane: Lane<Request, Response>): void {
    if (this.#closed) return;
    const stream = this.#options.open();
    lane.stream = stream;
    stream.on('data', (response: Response) => {
      lane.reconnectDelayMs = this.#options.reconnectDelayMsMin;
      const correlationId = this.#options.correlationIdOf(response);
      const pending = this.#pending.get(correlationId);
      if (pending === undefined) return; // answered after its deadline: the caller already gave up
      this.#pending.delete(correlationId);
      clearTimeout(pending.timer);
      pending.resolve(response);
    });
    const onBroken = (error?: unknown) => {
      if (lane.stream !== stream) return;
      lane.stream = undefined;
      if (error !== undefined) this.#options.onStreamError?.(error);
      this.#failPending((pending) => pending.lane === lane, new StreamOutcomeUnknownError('stream broke'));
      this.#scheduleReopen(lane);
    };
    stream.on('error', onBroken);
    stream.on('end', () => onBroken());
  }

  #scheduleReopen(lane: Lane<Request, Response>): void {
    if (this.#closed) return;
    const delayMs = lane.reconnectDelayMs;
    lane.reconnectDelayMs = Math.min(lane.reconnectDelayMs * 2, this.#options.reconnectDelayMsMax);
    setTimeout(() => this.#openLane(lane), delayMs).unref();
  }

  #failPending(matches: (pending: Pending<Request, Response>) => boolean, error: Error): void {
    for (const [correlationId, pending] of this.#pending) {
      if (!matches(pending)) continue;
      this.#pending.delete(correlationId);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }
}
