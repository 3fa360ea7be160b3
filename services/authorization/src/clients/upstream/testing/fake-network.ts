/**
 * A tiny card network for the connector's tests: a TCP server speaking network frames with
 * `@acq/iso8583`, answering sign-on/echo, approving requests and acknowledging reversals by default,
 * with a per-message hook to delay, silence, decline, garble or hang up instead. It records every
 * message it receives so tests can assert what reached "the network".
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { assert } from '@acq/assert';
import type { MessageSpec } from '@acq/iso8583';
import { createNetworkCodec, type NetworkCodec, type NetworkMac } from '../network-codec.ts';
import { NETWORK_FIELD, type NetworkMessage, responseMtiOf, textField } from '../network-message.ts';

export type NetworkAction =
  | { kind: 'reply'; responseCode?: string; delayMs?: number; extraFields?: Map<number, string | Buffer> }
  | { kind: 'silent' }
  | { kind: 'garbage' }
  | { kind: 'hang_up' };

export type NetworkBehaviour = (message: NetworkMessage, connectionIndex: number) => NetworkAction;

const FRAME_BYTES_MAX = 8_192;

export class FakeNetwork {
  readonly received: NetworkMessage[] = [];
  behaviour: NetworkBehaviour = () => ({ kind: 'reply' });
  /** Messages whose MAC did not verify (still answered, as a network would with a MAC error code). */
  rejectedForMac = 0;
  /** Off for benchmarks, where keeping every message would measure the fake rather than the link. */
  recordReceived = true;
  readonly #codec: NetworkCodec;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #connectionsAccepted = 0;
  #nextAuthCode = 1;

  private constructor(spec: MessageSpec, mac: NetworkMac | undefined) {
    this.#codec = createNetworkCodec(spec, FRAME_BYTES_MAX, mac);
    this.#server = createServer((socket) => this.#accept(socket));
  }

  static async start(spec: MessageSpec, port = 0, mac?: NetworkMac): Promise<FakeNetwork> {
    const network = new FakeNetwork(spec, mac);
    network.#server.listen(port, '127.0.0.1');
    await once(network.#server, 'listening');
    return network;
  }

  get address(): string {
    const address = this.#server.address();
    assert(address !== null && typeof address === 'object', 'server listens on TCP');
    return `127.0.0.1:${address.port}`;
  }

  get port(): number {
    return Number(this.address.split(':')[1]);
  }

  get openConnections(): number {
    return this.#sockets.size;
  }

  get connectionsAccepted(): number {
    return this.#connectionsAccepted;
  }

  receivedWithMti(mti: string): NetworkMessage[] {
    return this.received.filter((message) => message.mti === mti);
  }

  /** Drops every client link, as a network-side restart would. */
  dropAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    this.#server.close();
    await once(this.#server, 'close');
  }

  #accept(socket: Socket): void {
    const connectionIndex = this.#connectionsAccepted;
    this.#connectionsAccepted += 1;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = this.#codec.createFrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const body of reader.push(chunk)) {
        const { message, authentic } = this.#codec.decode(body);
        if (!authentic) this.rejectedForMac += 1;
        if (this.recordReceived) this.received.push(message);
        this.#act(socket, message, this.behaviour(message, connectionIndex));
      }
    });
  }

  #act(socket: Socket, message: NetworkMessage, action: NetworkAction): void {
    if (action.kind === 'silent') return;
    if (action.kind === 'hang_up') {
      socket.destroy();
      return;
    }
    if (action.kind === 'garbage') {
      socket.write(Buffer.from([0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]));
      return;
    }
    const frame = this.#codec.encodeFrame(this.#answer(message, action));
    if (action.delayMs === undefined) socket.write(frame);
    else setTimeout(() => socket.writable && socket.write(frame), action.delayMs);
  }

  #answer(
    message: NetworkMessage,
    action: { responseCode?: string; extraFields?: Map<number, string | Buffer> },
  ): NetworkMessage {
    const fields = new Map<number, string | Buffer>();
    for (const field of [3, 4, 7, 11, 32, 41, 42, 49, 70]) {
      const value = message.fields.get(field);
      if (value !== undefined) fields.set(field, value);
    }
    const responseCode = action.responseCode ?? '00';
    fields.set(NETWORK_FIELD.responseCode, responseCode);
    const financial = message.mti !== '0800';
    if (financial && responseCode === '00') {
      fields.set(NETWORK_FIELD.authCode, (this.#nextAuthCode++ % 1_000_000).toString().padStart(6, '0'));
      const hhmmss = (textField(message, NETWORK_FIELD.transmissionDateTime) ?? '0000000000').slice(4);
      fields.set(NETWORK_FIELD.rrn, `${hhmmss}${textField(message, NETWORK_FIELD.stan) ?? '000000'}`);
    }
    for (const [field, value] of action.extraFields ?? []) fields.set(field, value);
    return { mti: responseMtiOf(message.mti), fields };
  }
}
