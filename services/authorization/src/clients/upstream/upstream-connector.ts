/**
 * The authorization service's link to the card network. `send` turns a typed request into an ISO 87
 * network message, waits for the answer within its timeout and maps it to an `UpstreamResult`. A
 * financial request that gets no answer (timeout, or its link dropped) comes back as `timeout` only
 * after its reversal is durably queued; an approval arriving after the timeout is reversed as well.
 * With no link up the result is `unavailable`, and the stand-in policy supplies field 39.
 */
import { assert } from '@acq/assert';
import { cupNetworkSpec, isIsoCodecError, type MessageSpec } from '@acq/iso8583';
import type pg from 'pg';
import { ConnectionPool, type ExchangeStart } from './connection-pool.ts';
import { resolveUpstreamLimits, type UpstreamLimits } from './limits.ts';
import { createNetworkCodec, type NetworkMac } from './network-codec.ts';
import {
  buildAdviceMessage,
  buildRequestMessage,
  buildReversalMessage,
  NETWORK_FIELD,
  type NetworkMessage,
  needsReversalOnTimeout,
  resultFromResponse,
  reversalFor,
  textField,
} from './network-message.ts';
import type { LateEntry } from './response-matcher.ts';
import { insertAdvice, insertReversal, type SafItem, upsertLateReversal } from './saf-store.ts';
import { type SafSendResult, SafWorker } from './saf-worker.ts';
import {
  type NetworkIdentity,
  STAND_IN_DEFAULT,
  type StandInPolicy,
  UPSTREAM_KINDS,
  type UpstreamAdvice,
  type UpstreamLogger,
  type UpstreamMeter,
  type UpstreamRequest,
  type UpstreamResult,
  type UpstreamReversal,
  type UpstreamStats,
} from './types.ts';
import { errorMessageOf } from './upstream-connection.ts';
import { createUpstreamMetrics, type UpstreamMetrics } from './upstream-metrics.ts';

export interface UpstreamConnectorOptions {
  /** `host:port` of the network's ISO 8583 port (NETWORK_SIM_ISO_URL). */
  address: string;
  /** The network spec table; `cupNetworkSpec` from @acq/iso8583 unless a test swaps it. */
  spec?: MessageSpec;
  /** Field 32 of management messages and default for requests. */
  acquirerInstitutionId: string;
  pool?: { connectionCountMax?: number; inFlightPerConnectionMax?: number; writeBufferBytesMax?: number };
  timeouts?: { requestTimeoutMs?: number; echoIntervalMs?: number; managementTimeoutMs?: number };
  /** Any other limit from limits.ts, lowered (never raised). */
  limits?: Partial<UpstreamLimits>;
  /** Pool of the authorization schema, where migration 500 created the SAF table. */
  sql: pg.Pool;
  schema: string;
  logger: UpstreamLogger;
  meter: UpstreamMeter;
  standIn?: Partial<StandInPolicy>;
  /** MAC on the network link (field 128), e.g. `networkMacFromHsm(hsm, makUnderMasterKey)`; off when absent. */
  networkMac?: NetworkMac;
  /** Off for replicas that must not drain the SAF queue (the lease already makes draining single). */
  safWorkerEnabled?: boolean;
  random?: () => number;
}

export interface UpstreamSendOptions {
  timeoutMs?: number;
  /** From `reserveIdentity`, stored by the caller before the send; without it one is allocated now. */
  identity?: NetworkIdentity;
}

export interface UpstreamConnector {
  /**
   * Reserves the STAN + field 7 of a request to be sent later, so the caller records them first and
   * can reverse the request whatever happens after. Give it to `send`, or back with
   * `releaseIdentity` if the request is not sent; undefined when the connector is closing.
   */
  reserveIdentity(): NetworkIdentity | undefined;
  /** Idempotent, and a no-op for an identity `send` already used. */
  releaseIdentity(identity: NetworkIdentity): void;
  send(request: UpstreamRequest, options?: UpstreamSendOptions): Promise<UpstreamResult>;
  /** Idempotent per txnId; pass `client` to enqueue inside the caller's transaction. */
  enqueueReversal(reversal: UpstreamReversal, client?: pg.PoolClient): Promise<void>;
  /** Idempotent per txnId; pass `client` to enqueue inside the caller's transaction. */
  enqueueAdvice(advice: UpstreamAdvice, client?: pg.PoolClient): Promise<void>;
  ready(): boolean;
  stats(): UpstreamStats;
  close(): Promise<void>;
}

type Tally = Omit<
  UpstreamStats,
  'connectionsReady' | 'connectionsTotal' | 'inFlight' | 'lateTracked' | 'reservedIdentities'
>;

export function parseAddress(address: string): { host: string; port: number } {
  const match = /^([^:\s]+):([0-9]{1,5})$/.exec(address.replace(/^tcp:\/\//, ''));
  assert(match !== null, `upstream address must be host:port, got ${address}`);
  const port = Number(match[2]);
  assert(port > 0 && port < 65_536, 'upstream port must be a TCP port');
  return { host: match[1] as string, port };
}

function limitsOf(options: UpstreamConnectorOptions): UpstreamLimits {
  const overrides: Partial<UpstreamLimits> = { ...options.limits };
  const { pool, timeouts } = options;
  if (pool?.connectionCountMax !== undefined) overrides.connectionCountMax = pool.connectionCountMax;
  if (pool?.inFlightPerConnectionMax !== undefined) overrides.inFlightPerConnectionMax = pool.inFlightPerConnectionMax;
  if (pool?.writeBufferBytesMax !== undefined) overrides.writeBufferBytesMax = pool.writeBufferBytesMax;
  if (timeouts?.requestTimeoutMs !== undefined) overrides.requestTimeoutMsDefault = timeouts.requestTimeoutMs;
  if (timeouts?.echoIntervalMs !== undefined) overrides.echoIntervalMs = timeouts.echoIntervalMs;
  if (timeouts?.managementTimeoutMs !== undefined) overrides.managementTimeoutMs = timeouts.managementTimeoutMs;
  return resolveUpstreamLimits(overrides);
}

export function createUpstreamConnector(options: UpstreamConnectorOptions): UpstreamConnector {
  const connector = new Connector(options);
  connector.start();
  return connector;
}

class Connector implements UpstreamConnector {
  readonly #options: UpstreamConnectorOptions;
  readonly #limits: UpstreamLimits;
  readonly #standIn: StandInPolicy;
  readonly #metrics: UpstreamMetrics;
  readonly #pool: ConnectionPool<UpstreamReversal>;
  readonly #worker: SafWorker | undefined;
  readonly #tally: Tally = {
    sent: 0,
    approved: 0,
    declined: 0,
    timedOut: 0,
    unavailable: 0,
    lateResponses: 0,
    unmatchedResponses: 0,
    garbageFrames: 0,
    reconnects: 0,
  };

  constructor(options: UpstreamConnectorOptions) {
    this.#options = options;
    this.#limits = limitsOf(options);
    this.#standIn = { ...STAND_IN_DEFAULT, ...options.standIn };
    assert(/^[0-9A-Z]{2}$/.test(this.#standIn.timeoutResponseCode), 'stand-in timeout code is a field-39 code');
    assert(/^[0-9A-Z]{2}$/.test(this.#standIn.unavailableResponseCode), 'stand-in unavailable code is a field-39 code');
    assert(this.#standIn.timeoutResponseCode !== '00', 'a timeout is never answered as approved');
    this.#metrics = createUpstreamMetrics(options.meter, {
      readyConnections: () => this.#pool.readyCount,
      inFlight: () => this.#pool.inFlightCount,
    });
    const address = parseAddress(options.address);
    this.#pool = new ConnectionPool<UpstreamReversal>({
      host: address.host,
      port: address.port,
      codec: createNetworkCodec(options.spec ?? cupNetworkSpec, this.#limits.frameBytesMax, options.networkMac),
      limits: this.#limits,
      acquirerInstitutionId: options.acquirerInstitutionId,
      logger: options.logger,
      metrics: this.#countingMetrics(),
      onLateResponse: (entry, response) => this.#handleLateResponse(entry, response),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.#worker =
      options.safWorkerEnabled === false
        ? undefined
        : new SafWorker({
            pool: options.sql,
            schema: options.schema,
            limits: this.#limits,
            logger: options.logger,
            metrics: this.#metrics,
            isUpstreamReady: () => this.ready(),
            send: (item) => this.#sendStoredItem(item),
          });
  }

  start(): void {
    this.#pool.start();
    this.#worker?.start();
  }

  ready(): boolean {
    return this.#pool.readyCount > 0;
  }

  stats(): UpstreamStats {
    return {
      ...this.#tally,
      connectionsReady: this.#pool.readyCount,
      connectionsTotal: this.#pool.connectionCount,
      inFlight: this.#pool.inFlightCount,
      lateTracked: this.#pool.lateTrackedCount,
      reservedIdentities: this.#pool.reservedCount,
    };
  }

  async close(): Promise<void> {
    await this.#worker?.stop();
    await this.#pool.close(Math.min(this.#limits.requestTimeoutMsDefault, this.#limits.shutdownDrainMs));
  }

  reserveIdentity(): NetworkIdentity | undefined {
    return this.#pool.reserveIdentity();
  }

  releaseIdentity(identity: NetworkIdentity): void {
    this.#pool.releaseIdentity(identity);
  }

  async send(request: UpstreamRequest, options: UpstreamSendOptions = {}): Promise<UpstreamResult> {
    assert(UPSTREAM_KINDS.includes(request.kind), 'known upstream kind');
    assert(request.txnId.length > 0, 'request needs a txnId');
    const timeoutMs = options.timeoutMs ?? this.#limits.requestTimeoutMsDefault;
    assert(timeoutMs > 0 && timeoutMs <= this.#limits.requestTimeoutMsMax, 'request timeout within the upstream bound');
    const startedAtMs = performance.now();
    const financial = needsReversalOnTimeout(request.kind);
    const start = this.#pool.exchange({
      build: (identity) => buildRequestMessage(request, identity),
      ...(options.identity === undefined ? {} : { identity: options.identity }),
      terminalId: request.terminalId,
      timeoutMs,
      late: financial ? (identity) => reversalFor(request, identity, 'late_response') : undefined,
    });
    const result = await this.#settle(request, start);
    this.#record(request, result, performance.now() - startedAtMs);
    return result;
  }

  async #settle(request: UpstreamRequest, start: ExchangeStart): Promise<UpstreamResult> {
    if (start.status === 'unavailable') {
      return {
        outcome: 'unavailable',
        responseCode: this.#standIn.unavailableResponseCode,
        networkStan: '',
        transmissionDateTime: '',
      };
    }
    if (start.status === 'unencodable') {
      // Field content from the terminal or merchant data that the network spec refuses is a format
      // error (30); anything else thrown while building the message is a bug and must crash.
      if (!isIsoCodecError(start.error)) throw start.error;
      this.#options.logger.warn(
        { txnId: request.txnId, errorCode: start.errorCode, fieldNumber: start.error.fieldNumber },
        'upstream request cannot be encoded',
      );
      return { outcome: 'declined', responseCode: '30', networkStan: '', transmissionDateTime: '' };
    }
    this.#tally.sent += 1;
    const outcome = await start.outcome;
    if (outcome.status === 'answered') return resultFromResponse(outcome.response, start.identity);
    const result: UpstreamResult = {
      outcome: 'timeout',
      responseCode: this.#standIn.timeoutResponseCode,
      networkStan: start.identity.networkStan,
      transmissionDateTime: start.identity.transmissionDateTime,
    };
    if (needsReversalOnTimeout(request.kind)) {
      result.reversalQueued = await this.#queueReversalSafely(reversalFor(request, start.identity, 'timeout'));
    }
    return result;
  }

  #record(request: UpstreamRequest, result: UpstreamResult, durationMs: number): void {
    if (result.outcome === 'approved') this.#tally.approved += 1;
    else if (result.outcome === 'declined') this.#tally.declined += 1;
    else if (result.outcome === 'timeout') this.#tally.timedOut += 1;
    else this.#tally.unavailable += 1;
    this.#metrics.requests.add(1, { kind: request.kind, outcome: result.outcome });
    this.#metrics.requestDurationMs.record(durationMs, { kind: request.kind });
    if (result.outcome === 'timeout' || result.outcome === 'unavailable') {
      // Debug only: the pipeline's summary line carries the outcome; an outage shows in metrics and link logs.
      this.#options.logger.debug(
        { txnId: request.txnId, kind: request.kind, outcome: result.outcome, networkStan: result.networkStan },
        'upstream gave no answer',
      );
    }
  }

  /** The automatic reversal must not fail the caller's answer: on a database error it reports false. */
  async #queueReversalSafely(reversal: UpstreamReversal): Promise<boolean> {
    try {
      await this.enqueueReversal(reversal);
      return true;
    } catch (error) {
      this.#metrics.safEnqueueFailures.add(1, { reason: reversal.reason });
      this.#options.logger.error(
        { txnId: reversal.txnId, reason: reversal.reason, error: errorMessageOf(error) },
        'upstream reversal could not be queued: the caller must queue it',
      );
      return false;
    }
  }

  async enqueueReversal(reversal: UpstreamReversal, client?: pg.PoolClient): Promise<void> {
    assert(needsReversalOnTimeout(reversal.kind), 'only financial messages are reversed');
    const inserted = await insertReversal(client ?? this.#options.sql, reversal);
    if (!inserted) return;
    this.#metrics.safEnqueued.add(1, { itemKind: 'reversal', reason: reversal.reason });
    this.#worker?.nudge();
  }

  async enqueueAdvice(advice: UpstreamAdvice, client?: pg.PoolClient): Promise<void> {
    const inserted = await insertAdvice(client ?? this.#options.sql, advice);
    if (!inserted) return;
    this.#metrics.safEnqueued.add(1, { itemKind: 'advice', reason: advice.reason });
    this.#worker?.nudge();
  }

  #handleLateResponse(entry: LateEntry<UpstreamReversal | undefined>, response: NetworkMessage): void {
    this.#tally.lateResponses += 1;
    const responseCode = textField(response, NETWORK_FIELD.responseCode);
    const reversal = entry.late;
    if (reversal === undefined || responseCode !== '00') {
      this.#metrics.lateResponses.add(1, { outcome: reversal === undefined ? 'not_reversible' : 'declined_dropped' });
      return;
    }
    this.#metrics.lateResponses.add(1, { outcome: 'approved_reversed' });
    const lateReversal: UpstreamReversal = { ...reversal };
    const rrn = textField(response, NETWORK_FIELD.rrn)?.trim();
    if (rrn !== undefined && rrn.length > 0) lateReversal.rrn = rrn;
    const authCode = textField(response, NETWORK_FIELD.authCode)?.trim();
    if (authCode !== undefined && authCode.length > 0) lateReversal.authCode = authCode;
    void this.#queueLateReversal(lateReversal);
  }

  async #queueLateReversal(reversal: UpstreamReversal): Promise<void> {
    try {
      const pending = await upsertLateReversal(this.#options.sql, reversal);
      this.#options.logger.warn({ txnId: reversal.txnId, pending }, 'upstream approval after timeout: reversing');
      if (pending) {
        this.#metrics.safEnqueued.add(1, { itemKind: 'reversal', reason: reversal.reason });
        this.#worker?.nudge();
      }
    } catch (error) {
      this.#metrics.safEnqueueFailures.add(1, { reason: reversal.reason });
      this.#options.logger.error(
        { txnId: reversal.txnId, error: errorMessageOf(error) },
        'late approval could not be queued for reversal: operator must reverse it',
      );
    }
  }

  async #sendStoredItem(item: SafItem): Promise<SafSendResult> {
    const start = this.#pool.exchange({
      build: (identity: NetworkIdentity) =>
        item.itemKind === 'reversal'
          ? buildReversalMessage(item.reversal, identity)
          : buildAdviceMessage(item.advice, identity),
      terminalId: item.itemKind === 'reversal' ? item.reversal.terminalId : item.advice.terminalId,
      timeoutMs: this.#limits.safSendTimeoutMs,
      late: undefined,
    });
    if (start.status === 'unavailable') return { status: 'not_sent' };
    if (start.status === 'unencodable') {
      this.#options.logger.error(
        { txnId: item.itemKind === 'reversal' ? item.reversal.txnId : item.advice.txnId, errorCode: start.errorCode },
        'upstream SAF item cannot be encoded',
      );
      return { status: 'unencodable' };
    }
    const outcome = await start.outcome;
    if (outcome.status !== 'answered') return { status: outcome.status };
    return { status: 'answered', responseCode: textField(outcome.response, NETWORK_FIELD.responseCode) ?? '' };
  }

  /** Wraps the metrics so the stats tally sees the pool's events too. */
  #countingMetrics(): UpstreamMetrics {
    const tally = this.#tally;
    const metrics = this.#metrics;
    return {
      ...metrics,
      unmatchedResponses: {
        add: (value, attributes) => {
          tally.unmatchedResponses += value;
          metrics.unmatchedResponses.add(value, attributes);
        },
      },
      connectionCloses: {
        add: (value, attributes) => {
          if (attributes?.reason === 'garbage_frame') tally.garbageFrames += value;
          metrics.connectionCloses.add(value, attributes);
        },
      },
      reconnects: {
        add: (value, attributes) => {
          tally.reconnects += value;
          metrics.reconnects.add(value, attributes);
        },
      },
    };
  }
}
