/**
 * The card network's ISO 8583 TCP listener. Each connection reads 2-byte-length frames, answers
 * every request as soon as it is processed (pipelined: no request waits for the previous answer),
 * and batches the answers of one read into one write. Fault knobs decide per request whether the
 * link drops, disconnects, answers late, never or with garbage. A broken frame closes the
 * connection, as the network does.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { assert } from '@acq/assert';
import {
  cupNetworkSpec,
  decodeNetworkFrameIndexed,
  encodeNetworkFrame,
  type IndexedIsoMessage,
  type IsoCodecError,
  isIsoCodecError,
  LengthPrefixedFrameReader,
  withLengthPrefix,
} from '@acq/iso8583';
import { chooseFaultAction, type FaultAction } from '../../domain/iso-faults.ts';
import { RESPONSE_CODES } from '../../domain/response-codes.ts';
import { LIMITS } from '../../limits.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import type { SimulatorMetrics } from '../metrics.ts';
import { baseResponse, financialResponse, mapRequest, panOf } from './iso-mapper.ts';

const GARBAGE_BYTES = 32;

export interface IsoServerLogger {
  warn(object: object, message: string): void;
}

/** Answers one decoded request; undefined for messages that get no answer (responses, advices of ours). */
export function answerIsoRequest(
  simulator: NetworkSimulator,
  request: IndexedIsoMessage,
): IndexedIsoMessage | undefined {
  if (!/^0[0-9][02]0$/.test(request.mti)) return undefined;
  const mapped = mapRequest(request);
  switch (mapped.kind) {
    case 'management':
      return baseResponse(request, RESPONSE_CODES.approved);
    case 'invalid':
      return baseResponse(request, mapped.responseCode);
    case 'reversal':
      return baseResponse(request, simulator.issuer.reverse(mapped.request));
    case 'financial':
      return financialResponse(request, mapped.request.operation, simulator.issuer.authorize(mapped.request));
  }
}

class IsoConnection {
  private readonly socket: Socket;
  private readonly simulator: NetworkSimulator;
  private readonly metrics: SimulatorMetrics;
  private readonly reader = new LengthPrefixedFrameReader(LIMITS.isoMessageBytesMax);
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(socket: Socket, simulator: NetworkSimulator, metrics: SimulatorMetrics) {
    this.socket = socket;
    this.simulator = simulator;
    this.metrics = metrics;
  }

  onData(chunk: Buffer): void {
    let bodies: Buffer[];
    try {
      bodies = this.reader.push(chunk);
    } catch (error) {
      if (!isIsoCodecError(error)) throw error;
      this.reject('frame', error);
      return;
    }
    const immediate: Buffer[] = [];
    for (const body of bodies) {
      if (this.socket.destroyed) return;
      const frame = this.handleFrame(body);
      if (frame !== undefined) immediate.push(frame);
    }
    if (immediate.length > 0) this.write(immediate.length === 1 ? (immediate[0] as Buffer) : Buffer.concat(immediate));
  }

  /** Writes answers; a peer that stops reading while answers pile up is disconnected. */
  private write(bytes: Buffer): void {
    if (this.socket.destroyed) return;
    this.socket.write(bytes);
    if (this.socket.writableLength > LIMITS.isoConnectionBufferBytesMax) {
      this.metrics.isoFramesRejected.add(1, { reason: 'slow_reader' });
      this.socket.destroy();
    }
  }

  /** Processes one frame; returns the answer to write now, or undefined (none, later, or closed). */
  private handleFrame(body: Buffer): Buffer | undefined {
    let request: IndexedIsoMessage;
    try {
      request = decodeNetworkFrameIndexed(cupNetworkSpec, body).message;
    } catch (error) {
      if (!isIsoCodecError(error)) throw error;
      this.reject('decode', error);
      return undefined;
    }
    const action = chooseFaultAction(this.simulator.isoFaults, panOf(request), this.simulator.random);
    if (action.kind === 'disconnect') {
      this.metrics.isoFaults.add(1, { kind: 'disconnect' });
      this.socket.destroy();
      return undefined;
    }
    if (action.kind === 'drop') {
      this.metrics.isoFaults.add(1, { kind: 'drop' });
      return undefined;
    }
    const response = answerIsoRequest(this.simulator, request);
    if (response === undefined) return undefined;
    this.metrics.isoMessages.add(1, { mti: request.mti, response_code: String(response.fieldValues[39]) });
    return this.deliver(action, response);
  }

  private deliver(action: Extract<FaultAction, { kind: 'process' }>, response: IndexedIsoMessage): Buffer | undefined {
    if (action.reply === 'none') {
      this.metrics.isoFaults.add(1, { kind: 'timeout' });
      return undefined;
    }
    const frame =
      action.reply === 'garbage'
        ? withLengthPrefix(randomBytes(GARBAGE_BYTES))
        : encodeNetworkFrame(cupNetworkSpec, response);
    if (action.reply === 'garbage') this.metrics.isoFaults.add(1, { kind: 'garbage' });
    if (action.delayMs === 0) return frame;
    if (this.delayed.size >= LIMITS.isoPendingResponsesPerConnectionMax) {
      this.metrics.isoFramesRejected.add(1, { reason: 'pending_full' });
      return frame;
    }
    this.metrics.isoFaults.add(1, { kind: 'delay' });
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.write(frame);
    }, action.delayMs);
    this.delayed.add(timer);
    return undefined;
  }

  /** A broken frame closes the connection, as the network does; the codec's code says why. */
  private reject(reason: string, error: IsoCodecError): void {
    this.metrics.isoFramesRejected.add(1, { reason });
    this.socket.destroy(new Error(`ISO frame rejected (${reason}: ${error.code})`, { cause: error }));
  }

  close(): void {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
  }
}

export class IsoServer {
  private readonly server: Server;
  private readonly connections = new Set<Socket>();

  constructor(simulator: NetworkSimulator, metrics: SimulatorMetrics, logger: IsoServerLogger) {
    this.server = createServer({ noDelay: true }, (socket) => {
      if (this.connections.size >= LIMITS.isoConnectionsMax) {
        metrics.isoFramesRejected.add(1, { reason: 'connections_full' });
        socket.destroy();
        return;
      }
      const connection = new IsoConnection(socket, simulator, metrics);
      this.connections.add(socket);
      metrics.isoConnections.add(1);
      socket.on('data', (chunk: Buffer) => connection.onData(chunk));
      socket.on('error', (error) =>
        logger.warn({ code: (error as NodeJS.ErrnoException).code, message: error.message }, 'iso connection error'),
      );
      socket.on('close', () => {
        connection.close();
        this.connections.delete(socket);
        metrics.isoConnections.add(-1);
      });
    });
    this.server.maxConnections = LIMITS.isoConnectionsMax;
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    assert(address !== null && typeof address === 'object', 'a TCP listener has an address');
    return address.port;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close((error) => (error === undefined ? resolve() : reject(error)));
    });
  }
}
