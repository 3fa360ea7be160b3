/**
 * Delivers wallet callbacks to the platform: JSON bodies signed with HMAC-SHA256 over
 * "timestamp.nonce.body" (headers x-sim-timestamp, x-sim-nonce, x-sim-signature as lower-case hex),
 * retried on failure like the real providers, every request with an explicit timeout. Deliveries
 * are logged (bounded) so tests can see what was sent and what the platform answered.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { assert } from '@acq/assert';
import type { CallbackDispatcher, WalletCallback } from '../../flows/wallet-flow.ts';
import { LIMITS } from '../../limits.ts';

export interface CallbackDelivery {
  readonly deliveryId: string;
  readonly outTradeNo: string;
  readonly provider: string;
  readonly eventType: string;
  readonly attempt: number;
  readonly copy: number;
  readonly url: string;
  readonly sentAtMs: number;
  httpStatus: number | null;
  error: string | null;
}

export function signCallback(secret: string, timestamp: string, nonce: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${nonce}.${body}`).digest('hex');
}

export function callbackBody(callback: WalletCallback, nowMs: number): string {
  const order = callback.order;
  return JSON.stringify({
    provider: order.provider,
    eventType: callback.eventType,
    orderId: order.orderId,
    outTradeNo: order.outTradeNo,
    merchantId: order.merchantId,
    amountFen: order.amountFen.toString(),
    status: order.status,
    paidAt: order.paidAtMs === undefined ? null : new Date(order.paidAtMs).toISOString(),
    outRefundNo: callback.outRefundNo ?? null,
    refundFen: callback.refundFen === undefined ? null : callback.refundFen.toString(),
    sentAt: new Date(nowMs).toISOString(),
  });
}

export class HttpCallbackSender implements CallbackDispatcher {
  private readonly secret: string;
  private readonly deliveries: CallbackDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private sequence = 0;
  private closed = false;

  constructor(secret: string) {
    assert(secret.length > 0, 'callbacks are signed with a non-empty secret');
    this.secret = secret;
  }

  dispatch(callback: WalletCallback): void {
    assert(callback.copies >= 1 && callback.copies <= 2, 'a callback is sent once or duplicated once');
    for (let copy = 1; copy <= callback.copies; copy += 1) this.schedule(callback, copy, 1, callback.delayMs);
  }

  deliveriesFor(outTradeNo: string | undefined): readonly CallbackDelivery[] {
    return outTradeNo === undefined
      ? this.deliveries
      : this.deliveries.filter((item) => item.outTradeNo === outTradeNo);
  }

  /** Stops pending deliveries (shutdown and tests). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(callback: WalletCallback, copy: number, attempt: number, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.deliver(callback, copy, attempt).catch((error: unknown) => {
        // deliver handles every network failure itself; anything reaching here is a bug, so it
        // surfaces as an unhandled rejection and the service shell crashes the process.
        throw new Error('wallet callback delivery failed unexpectedly', { cause: error });
      });
    }, delayMs);
    this.timers.add(timer);
  }

  private async deliver(callback: WalletCallback, copy: number, attempt: number): Promise<void> {
    const nowMs = Date.now();
    const body = callbackBody(callback, nowMs);
    const timestamp = Math.floor(nowMs / 1000).toString();
    const nonce = randomBytes(8).toString('hex');
    this.sequence += 1;
    const delivery: CallbackDelivery = {
      deliveryId: `cb_${this.sequence}`,
      outTradeNo: callback.order.outTradeNo,
      provider: callback.order.provider,
      eventType: callback.eventType,
      attempt,
      copy,
      url: callback.order.notifyUrl,
      sentAtMs: nowMs,
      httpStatus: null,
      error: null,
    };
    this.record(delivery);
    try {
      const response = await fetch(callback.order.notifyUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sim-timestamp': timestamp,
          'x-sim-nonce': nonce,
          'x-sim-signature': signCallback(this.secret, timestamp, nonce, body),
        },
        body,
        signal: AbortSignal.timeout(LIMITS.walletCallbackTimeoutMs),
      });
      delivery.httpStatus = response.status;
      await response.body?.cancel();
      if (response.ok) return;
    } catch (error) {
      delivery.error = error instanceof Error ? error.name : 'unknown';
    }
    if (attempt < LIMITS.walletCallbackAttemptsMax) {
      this.schedule(callback, copy, attempt + 1, LIMITS.walletCallbackRetryDelayMs);
    }
  }

  private record(delivery: CallbackDelivery): void {
    this.deliveries.push(delivery);
    if (this.deliveries.length > LIMITS.walletCallbackLogMax) this.deliveries.shift();
  }
}
