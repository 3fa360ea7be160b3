/**
 * Matches network responses to the requests awaiting them. The key is network STAN (field 11) plus
 * transmission date-time (field 7); the STAN allocator never hands out a STAN that is in flight or
 * remembered as timed out, so within the late-response window a key names exactly one request.
 * The response's MTI and terminal id (field 41) are checked against the request as well, and a
 * mismatch is reported as unmatched instead of being delivered.
 */
import { assert } from '@acq/assert';
import { NETWORK_FIELD, type NetworkMessage, textField } from './network-message.ts';
import { StanAllocator } from './stan-allocator.ts';

export interface AwaitedRequest<TPending> {
  key: string;
  networkStan: string;
  expectedResponseMti: string;
  terminalId: string | undefined;
  pending: TPending;
}

/** What is remembered about a timed-out request: enough to reverse it if a late approval comes. */
export interface LateEntry<TLate> {
  key: string;
  networkStan: string;
  expectedResponseMti: string;
  terminalId: string | undefined;
  expiresAtMs: number;
  late: TLate;
}

export type MatchResult<TPending, TLate> =
  | { kind: 'awaited'; request: AwaitedRequest<TPending> }
  | { kind: 'late'; entry: LateEntry<TLate> }
  | { kind: 'unmatched'; reason: 'unknown_key' | 'mti_mismatch' | 'terminal_mismatch' };

export function matchKey(networkStan: string, transmissionDateTime: string): string {
  return `${networkStan}:${transmissionDateTime}`;
}

export class ResponseMatcher<TPending, TLate> {
  readonly #stans: StanAllocator;
  readonly #awaited = new Map<string, AwaitedRequest<TPending>>();
  /** Insertion order is expiry order (same window for all), so the oldest is first. */
  readonly #late = new Map<string, LateEntry<TLate>>();
  readonly #lateWindowMs: number;
  readonly #lateTrackedMax: number;

  constructor(options: { stanMax: number; firstStan: number; lateWindowMs: number; lateTrackedMax: number }) {
    assert(options.lateWindowMs > 0, 'late window must be positive');
    assert(options.lateTrackedMax > 0, 'late tracking bound must be positive');
    this.#stans = new StanAllocator(options.stanMax, options.firstStan);
    this.#lateWindowMs = options.lateWindowMs;
    this.#lateTrackedMax = options.lateTrackedMax;
  }

  get awaitedCount(): number {
    return this.#awaited.size;
  }

  get lateCount(): number {
    return this.#late.size;
  }

  allocateStan(): string | undefined {
    return this.#stans.allocate();
  }

  /** Gives back a STAN that was allocated but never sent (the message could not be written). */
  releaseUnsentStan(networkStan: string): void {
    this.#stans.release(networkStan);
  }

  await(request: AwaitedRequest<TPending>): void {
    assert(!this.#awaited.has(request.key), 'a match key is never awaited twice');
    assert(!this.#late.has(request.key), 'a match key is never reused inside the late window');
    this.#awaited.set(request.key, request);
  }

  /** The request was answered, failed with its connection, or was abandoned: its STAN is free again. */
  complete(key: string): AwaitedRequest<TPending> | undefined {
    const request = this.#awaited.get(key);
    if (request === undefined) return undefined;
    this.#awaited.delete(key);
    this.#stans.release(request.networkStan);
    return request;
  }

  /** The request timed out: remember it (STAN still reserved) so a late answer is recognised. */
  expire(key: string, late: TLate, nowMs: number): AwaitedRequest<TPending> | undefined {
    const request = this.#awaited.get(key);
    if (request === undefined) return undefined;
    this.#awaited.delete(key);
    this.#late.set(key, {
      key,
      networkStan: request.networkStan,
      expectedResponseMti: request.expectedResponseMti,
      terminalId: request.terminalId,
      expiresAtMs: nowMs + this.#lateWindowMs,
      late,
    });
    this.#evictLate(nowMs);
    return request;
  }

  match(message: NetworkMessage): MatchResult<TPending, TLate> {
    const networkStan = textField(message, NETWORK_FIELD.stan);
    const transmissionDateTime = textField(message, NETWORK_FIELD.transmissionDateTime);
    if (networkStan === undefined || transmissionDateTime === undefined)
      return { kind: 'unmatched', reason: 'unknown_key' };
    const key = matchKey(networkStan, transmissionDateTime);
    const terminalId = textField(message, NETWORK_FIELD.terminalId);
    const awaited = this.#awaited.get(key);
    if (awaited !== undefined) {
      const mismatch = mismatchOf(awaited, message.mti, terminalId);
      if (mismatch !== undefined) return { kind: 'unmatched', reason: mismatch };
      this.complete(key);
      return { kind: 'awaited', request: awaited };
    }
    const late = this.#late.get(key);
    if (late === undefined) return { kind: 'unmatched', reason: 'unknown_key' };
    const mismatch = mismatchOf(late, message.mti, terminalId);
    if (mismatch !== undefined) return { kind: 'unmatched', reason: mismatch };
    this.#late.delete(key);
    this.#stans.release(late.networkStan);
    return { kind: 'late', entry: late };
  }

  /** Forgets late entries past their window or beyond the tracking bound, oldest first. */
  #evictLate(nowMs: number): void {
    for (const entry of this.#late.values()) {
      const expired = entry.expiresAtMs <= nowMs;
      const overBound = this.#late.size > this.#lateTrackedMax;
      if (!expired && !overBound) return;
      this.#late.delete(entry.key);
      this.#stans.release(entry.networkStan);
    }
  }

  sweep(nowMs: number): void {
    this.#evictLate(nowMs);
  }

  awaitedRequests(): IterableIterator<AwaitedRequest<TPending>> {
    return this.#awaited.values();
  }
}

function mismatchOf(
  expected: { expectedResponseMti: string; terminalId: string | undefined },
  responseMti: string,
  responseTerminalId: string | undefined,
): 'mti_mismatch' | 'terminal_mismatch' | undefined {
  if (responseMti !== expected.expectedResponseMti) return 'mti_mismatch';
  if (
    expected.terminalId !== undefined &&
    responseTerminalId !== undefined &&
    responseTerminalId !== expected.terminalId
  ) {
    return 'terminal_mismatch';
  }
  return undefined;
}
