/**
 * A fixed number of persistent links to the network, each reconnected with jittered exponential
 * backoff and signed on (0800, 70 = 001) before it carries traffic, echoed (70 = 301) when idle and
 * dropped when an echo goes unanswered. `exchange` sends one message on the next usable link and
 * settles with the answer, a timeout, or the loss of the link; answers are matched by the
 * `ResponseMatcher`, so it does not matter which link a message went out on.
 */
import { assert } from '@acq/assert';
import { backoffDelayMs } from './backoff.ts';
import type { UpstreamLimits } from './limits.ts';
import type { NetworkCodec } from './network-codec.ts';
import {
  buildManagementMessage,
  NETWORK_FIELD,
  NETWORK_MANAGEMENT,
  type NetworkMessage,
  responseMtiOf,
  textField,
  transmissionDateTimeOf,
} from './network-message.ts';
import { type LateEntry, matchKey, ResponseMatcher } from './response-matcher.ts';
import type { UpstreamMetrics } from './upstream-metrics.ts';
import { type CloseReason, errorCodeOf, UpstreamConnection } from './upstream-connection.ts';
import type { NetworkIdentity, UpstreamLogger } from './types.ts';

export type ExchangeOutcome =
  | { status: 'answered'; response: NetworkMessage }
  | { status: 'timeout' }
  | { status: 'connection_lost' };

export type ExchangeStart =
  | { status: 'unavailable' }
  | { status: 'unencodable'; errorCode: string; error: unknown }
  | { status: 'sent'; identity: NetworkIdentity; outcome: Promise<ExchangeOutcome> };

export interface ExchangeOptions<TLate> {
  build: (identity: NetworkIdentity) => NetworkMessage;
  /** An identity from `reserveIdentity` to send with; without it the exchange allocates one now. */
  identity?: NetworkIdentity;
  terminalId: string | undefined;
  timeoutMs: number;
  /**
   * Builds what is remembered when the exchange times out (handed to `onLateResponse` if the answer
   * still comes). Called only on timeout, so the remembered value need not hold the request itself.
   */
  late: ((identity: NetworkIdentity) => TLate) | undefined;
  /** Management messages go to one particular link, even before it is ready. */
  connection?: UpstreamConnection;
}

interface Pending {
  connection: UpstreamConnection;
  timer: NodeJS.Timeout;
  settle: (outcome: ExchangeOutcome) => void;
}

export interface ConnectionPoolOptions<TLate> {
  host: string;
  port: number;
  codec: NetworkCodec;
  limits: UpstreamLimits;
  acquirerInstitutionId: string;
  logger: UpstreamLogger;
  metrics: UpstreamMetrics;
  onLateResponse: (late: LateEntry<TLate | undefined>, response: NetworkMessage) => void;
  random?: () => number;
}

export class ConnectionPool<TLate> {
  readonly #options: ConnectionPoolOptions<TLate>;
  readonly #random: () => number;
  readonly #matcher: ResponseMatcher<Pending, TLate | undefined>;
  readonly #slots: Array<UpstreamConnection | undefined>;
  readonly #failureCounts: number[];
  readonly #reconnectTimers = new Set<NodeJS.Timeout>();
  readonly #echoing = new Set<UpstreamConnection>();
  /** Match keys of reserved identities not yet sent: their STANs stay allocated until sent or released. */
  readonly #reservedUnsent = new Set<string>();
  #maintenanceTimer: NodeJS.Timeout | undefined;
  #cursor = 0;
  #nextConnectionId = 1;
  #closing = false;

  constructor(options: ConnectionPoolOptions<TLate>) {
    assert(options.limits.connectionCountMax >= 1, 'at least one connection');
    assert(/^[0-9]{1,11}$/.test(options.acquirerInstitutionId), 'acquirer institution id is n..11');
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#matcher = new ResponseMatcher({
      stanMax: options.limits.networkStanMax,
      // A random start keeps a restarted process from reusing the STANs its predecessor just sent.
      firstStan: 1 + Math.floor(this.#random() * options.limits.networkStanMax),
      lateWindowMs: options.limits.lateResponseWindowMs,
      lateTrackedMax: options.limits.lateResponseTrackedMax,
    });
    this.#slots = new Array(options.limits.connectionCountMax).fill(undefined);
    this.#failureCounts = new Array(options.limits.connectionCountMax).fill(0);
  }

  start(): void {
    assert(this.#maintenanceTimer === undefined, 'pool started once');
    for (let slot = 0; slot < this.#slots.length; slot += 1) this.#open(slot);
    const tickMs = Math.max(10, Math.min(1_000, Math.floor(this.#options.limits.echoIntervalMs / 4)));
    this.#maintenanceTimer = setInterval(() => this.#maintain(), tickMs);
  }

  get readyCount(): number {
    let ready = 0;
    for (const connection of this.#slots) if (connection?.state === 'ready') ready += 1;
    return ready;
  }

  get connectionCount(): number {
    return this.#slots.length;
  }

  get inFlightCount(): number {
    return this.#matcher.awaitedCount;
  }

  get lateTrackedCount(): number {
    return this.#matcher.lateCount;
  }

  get reservedCount(): number {
    return this.#reservedUnsent.size;
  }

  /**
   * Allocates the STAN and field 7 of a message that will be sent later, so the caller can store them
   * before sending (a crash in between leaves a record the reversal can name). The STAN stays
   * reserved until `exchange` sends with it or `releaseIdentity` gives it back; undefined when
   * closing or the whole STAN range is in use.
   */
  reserveIdentity(): NetworkIdentity | undefined {
    if (this.#closing) return undefined;
    const networkStan = this.#matcher.allocateStan();
    if (networkStan === undefined) return undefined;
    const sentAt = new Date();
    const identity: NetworkIdentity = { networkStan, transmissionDateTime: transmissionDateTimeOf(sentAt), sentAt };
    this.#reservedUnsent.add(matchKey(identity.networkStan, identity.transmissionDateTime));
    return identity;
  }

  /** Gives back a reserved identity that was never sent; a no-op once `exchange` took it (or twice). */
  releaseIdentity(identity: NetworkIdentity): void {
    if (!this.#reservedUnsent.delete(matchKey(identity.networkStan, identity.transmissionDateTime))) return;
    this.#matcher.releaseUnsentStan(identity.networkStan);
  }

  exchange(options: ExchangeOptions<TLate>): ExchangeStart {
    assert(options.timeoutMs > 0, 'an exchange needs a positive timeout');
    assert(options.timeoutMs <= this.#options.limits.requestTimeoutMsMax, 'timeout above the upstream maximum');
    const identity = options.identity === undefined ? this.reserveIdentity() : options.identity;
    if (identity === undefined) return { status: 'unavailable' };
    const key = matchKey(identity.networkStan, identity.transmissionDateTime);
    // From here the exchange owns the STAN: it releases it when nothing is sent, the matcher otherwise.
    assert(this.#reservedUnsent.delete(key), 'an identity is reserved and sent at most once');
    const { networkStan } = identity;
    if (this.#closing) {
      this.#matcher.releaseUnsentStan(networkStan);
      return { status: 'unavailable' };
    }
    let frame: Buffer;
    let expectedResponseMti: string;
    try {
      const message = options.build(identity);
      expectedResponseMti = responseMtiOf(message.mti);
      frame = this.#options.codec.encodeFrame(message);
    } catch (error) {
      this.#matcher.releaseUnsentStan(networkStan);
      return { status: 'unencodable', errorCode: errorCodeOf(error), error };
    }
    const connection = this.#write(frame, options.connection);
    if (connection === undefined) {
      this.#matcher.releaseUnsentStan(networkStan);
      return { status: 'unavailable' };
    }
    const outcome = new Promise<ExchangeOutcome>((resolve) => {
      const timer = setTimeout(() => this.#expire(key, options.late?.(identity)), options.timeoutMs);
      this.#matcher.await({
        key,
        networkStan,
        expectedResponseMti,
        terminalId: options.terminalId,
        pending: { connection, timer, settle: resolve },
      });
      connection.inFlightKeys.add(key);
    });
    return { status: 'sent', identity, outcome };
  }

  /** Stops reconnecting, waits up to `drainMs` for answers in flight, then closes every link. */
  async close(drainMs: number): Promise<void> {
    this.#closing = true;
    clearInterval(this.#maintenanceTimer);
    for (const timer of this.#reconnectTimers) clearTimeout(timer);
    this.#reconnectTimers.clear();
    const deadlineMs = Date.now() + drainMs;
    while (this.#matcher.awaitedCount > 0 && Date.now() < deadlineMs) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const connection of this.#slots) connection?.close('shutdown');
  }

  /** Picks the next ready link (round robin) with room, and hands it the frame. */
  #write(frame: Buffer, only: UpstreamConnection | undefined): UpstreamConnection | undefined {
    if (only !== undefined) return only.write(frame) ? only : undefined;
    const inFlightMax = this.#options.limits.inFlightPerConnectionMax;
    for (let tries = 0; tries < this.#slots.length; tries += 1) {
      const slot = this.#cursor;
      this.#cursor = (this.#cursor + 1) % this.#slots.length;
      const connection = this.#slots[slot];
      if (connection?.state !== 'ready' || connection.inFlightKeys.size >= inFlightMax) continue;
      if (connection.write(frame)) return connection;
    }
    return undefined;
  }

  #expire(key: string, late: TLate | undefined): void {
    const request = this.#matcher.expire(key, late, Date.now());
    if (request === undefined) return;
    request.pending.connection.inFlightKeys.delete(key);
    request.pending.settle({ status: 'timeout' });
  }

  #handleMessage(connection: UpstreamConnection, message: NetworkMessage): void {
    if (message.mti === '0800') {
      this.#answerNetworkManagement(connection, message);
      return;
    }
    const match = this.#matcher.match(message);
    if (match.kind === 'awaited') {
      const pending = match.request.pending;
      clearTimeout(pending.timer);
      pending.connection.inFlightKeys.delete(match.request.key);
      pending.settle({ status: 'answered', response: message });
      return;
    }
    if (match.kind === 'late') {
      this.#options.onLateResponse(match.entry, message);
      return;
    }
    this.#dropUnmatched(connection, message, match.reason);
  }

  /** An answer nobody may act on: counted and logged, and its request (if any) runs into its timeout. */
  #dropUnmatched(connection: UpstreamConnection, message: NetworkMessage, reason: string): void {
    this.#options.metrics.unmatchedResponses.add(1, { reason });
    this.#options.logger.warn({ connectionId: connection.id, mti: message.mti, reason }, 'upstream response dropped');
  }

  /** The network may echo us too: answer its 0800 with a 0810 carrying the same identity. */
  #answerNetworkManagement(connection: UpstreamConnection, request: NetworkMessage): void {
    const fields = new Map(request.fields);
    fields.set(NETWORK_FIELD.responseCode, '00');
    try {
      connection.write(this.#options.codec.encodeFrame({ mti: '0810', fields }));
    } catch (error) {
      this.#options.logger.warn(
        { connectionId: connection.id, errorCode: errorCodeOf(error) },
        'cannot answer network 0800',
      );
    }
  }

  #open(slot: number): void {
    assert(this.#slots[slot] === undefined || this.#slots[slot]?.state === 'closed', 'slot is free');
    if (this.#closing) return;
    const connection = new UpstreamConnection({
      id: this.#nextConnectionId,
      host: this.#options.host,
      port: this.#options.port,
      codec: this.#options.codec,
      connectTimeoutMs: this.#options.limits.connectTimeoutMs,
      writeBufferBytesMax: this.#options.limits.writeBufferBytesMax,
      logger: this.#options.logger,
      events: {
        onConnected: (opened) => void this.#signOn(slot, opened),
        onMessage: (from, message) => this.#handleMessage(from, message),
        onUnauthentic: (from, message) => this.#dropUnmatched(from, message, 'mac_failure'),
        onClosed: (closed, reason) => this.#handleClosed(slot, closed, reason),
      },
    });
    this.#nextConnectionId += 1;
    this.#slots[slot] = connection;
  }

  async #signOn(slot: number, connection: UpstreamConnection): Promise<void> {
    const responseCode = await this.#management(connection, NETWORK_MANAGEMENT.signOn);
    if (connection.state !== 'connected') return;
    if (responseCode !== '00') {
      this.#options.logger.warn({ connectionId: connection.id, responseCode }, 'upstream sign-on refused');
      connection.close('dead');
      return;
    }
    connection.markReady();
    this.#failureCounts[slot] = 0;
    this.#options.logger.info({ connectionId: connection.id, slot }, 'upstream connection signed on');
  }

  /** Sends an 0800 on one link and returns field 39 of the 0810, or a marker when none came. */
  async #management(connection: UpstreamConnection, code: '001' | '301'): Promise<string> {
    const start = this.exchange({
      build: (identity) => buildManagementMessage(code, identity, this.#options.acquirerInstitutionId),
      terminalId: undefined,
      timeoutMs: this.#options.limits.managementTimeoutMs,
      late: undefined,
      connection,
    });
    if (start.status !== 'sent') return start.status;
    const outcome = await start.outcome;
    if (outcome.status !== 'answered') return outcome.status;
    return textField(outcome.response, NETWORK_FIELD.responseCode) ?? 'missing';
  }

  #handleClosed(slot: number, connection: UpstreamConnection, reason: CloseReason): void {
    this.#echoing.delete(connection);
    this.#options.metrics.connectionCloses.add(1, { reason });
    for (const key of connection.inFlightKeys) {
      const request = this.#matcher.complete(key);
      if (request === undefined) continue;
      clearTimeout(request.pending.timer);
      request.pending.settle({ status: 'connection_lost' });
    }
    connection.inFlightKeys.clear();
    if (this.#closing || this.#slots[slot] !== connection) return;
    const failureCount = this.#failureCounts[slot] ?? 0;
    this.#failureCounts[slot] = failureCount + 1;
    const delayMs = backoffDelayMs(
      {
        delayMsMin: this.#options.limits.reconnectBackoffMsMin,
        delayMsMax: this.#options.limits.reconnectBackoffMsMax,
        jitterPerMille: this.#options.limits.reconnectJitterPerMille,
      },
      failureCount,
      this.#random,
    );
    this.#options.logger.warn({ connectionId: connection.id, slot, reason, delayMs }, 'upstream connection closed');
    const timer = setTimeout(() => {
      this.#reconnectTimers.delete(timer);
      this.#options.metrics.reconnects.add(1);
      this.#open(slot);
    }, delayMs);
    this.#reconnectTimers.add(timer);
  }

  /** Periodic: echo idle links, forget expired late entries. */
  #maintain(): void {
    const nowMs = Date.now();
    this.#matcher.sweep(nowMs);
    for (const connection of this.#slots) {
      if (connection?.state !== 'ready' || this.#echoing.has(connection)) continue;
      if (nowMs - connection.lastActivityAtMs < this.#options.limits.echoIntervalMs) continue;
      void this.#echo(connection);
    }
  }

  async #echo(connection: UpstreamConnection): Promise<void> {
    this.#echoing.add(connection);
    const responseCode = await this.#management(connection, NETWORK_MANAGEMENT.echo);
    this.#echoing.delete(connection);
    this.#options.metrics.echoes.add(1, { responseCode });
    if (responseCode === '00' || connection.state === 'closed') return;
    this.#options.logger.warn({ connectionId: connection.id, responseCode }, 'upstream echo failed, dropping link');
    connection.close('dead');
  }
}
