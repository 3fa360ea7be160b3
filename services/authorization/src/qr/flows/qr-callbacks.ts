/**
 * A provider's asynchronous notification. Authenticated by its signature over the raw body; then
 * PAYMENT_SUCCESS moves the order to SUCCESS and REFUND_SUCCESS confirms the refund. The store's
 * state machine makes duplicates and out-of-order deliveries harmless (one event per payment).
 */
import { ServiceError } from '@acq/grpc';
import { checkCallbackSignature } from '../domain/callback-signature.ts';
import { isQrProvider } from '../domain/providers.ts';
import { CALLBACK_BODY_BYTES_MAX, CALLBACK_CLOCK_SKEW_MS_MAX } from '../limits.ts';
import { moveOrder } from './follow-order.ts';
import type { QrDependencies } from './qr-dependencies.ts';

export interface CallbackInput {
  readonly provider: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
  readonly body: Uint8Array;
}

interface CallbackBody {
  eventType?: unknown;
  outTradeNo?: unknown;
  amountFen?: unknown;
  paidAt?: unknown;
  outRefundNo?: unknown;
}

function parseBody(body: Uint8Array): CallbackBody {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) return parsed as CallbackBody;
  } catch {
    // Falls through to the refusal below: a signed body that is not JSON is still malformed.
  }
  throw new ServiceError('INVALID_ARGUMENT', 'callback body is not a JSON object');
}

export async function handleCallback(deps: QrDependencies, input: CallbackInput): Promise<void> {
  if (!isQrProvider(input.provider)) throw new ServiceError('NOT_FOUND', 'unknown provider');
  if (input.body.length > CALLBACK_BODY_BYTES_MAX)
    throw new ServiceError('INVALID_ARGUMENT', 'callback body too large');
  const check = checkCallbackSignature(
    { secret: deps.settings.callbackSecret, ...input },
    deps.nowMs(),
    CALLBACK_CLOCK_SKEW_MS_MAX,
  );
  if (check !== 'valid') throw new ServiceError('UNAUTHENTICATED', `callback refused: ${check}`);
  const body = parseBody(input.body);
  if (typeof body.outTradeNo !== 'string') throw new ServiceError('INVALID_ARGUMENT', 'callback names no order');
  const order = await deps.store.getOrder(body.outTradeNo);
  if (order === undefined || order.provider !== input.provider) throw new ServiceError('NOT_FOUND', 'no such QR order');
  if (body.eventType === 'PAYMENT_SUCCESS') {
    if (String(body.amountFen) !== order.amountFen.toString()) {
      deps.logger.error({ orderId: order.orderId }, 'provider reports a paid amount that differs from the order');
      throw new ServiceError('FAILED_PRECONDITION', 'paid amount differs from the order');
    }
    const paidAtMs = typeof body.paidAt === 'string' ? Date.parse(body.paidAt) : Number.NaN;
    await moveOrder(deps, order, 'SUCCESS', { paidAtMs: Number.isFinite(paidAtMs) ? paidAtMs : deps.nowMs() });
    return;
  }
  if (body.eventType === 'REFUND_SUCCESS') {
    if (typeof body.outRefundNo !== 'string')
      throw new ServiceError('INVALID_ARGUMENT', 'refund callback names no refund');
    const refund = await deps.store.findRefundByOrder(order.orderId, body.outRefundNo);
    if (refund === undefined) throw new ServiceError('NOT_FOUND', 'no such refund');
    await deps.store.confirmRefund(refund.refundId, deps.nowMs());
    return;
  }
  throw new ServiceError('INVALID_ARGUMENT', 'unknown callback event type');
}
