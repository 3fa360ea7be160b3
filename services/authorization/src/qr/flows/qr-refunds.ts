/**
 * Refunds of paid QR orders: reserved in the store (the refunded total never exceeds the amount),
 * sent to the provider idempotently by refund id, confirmed with TransactionRefunded in the same SQL
 * transaction. A refund whose answer is unknown stays PENDING and the resolver asks again.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '@acq/grpc';
import type { Fen } from '@acq/money';
import type { WalletAnswer } from '../../clients/wallet/index.ts';
import { IDEMPOTENCY_KEY_LENGTH_MAX, RESOLVER_RETRY_DELAY_MS } from '../limits.ts';
import type { QrRefund } from '../store/qr-order-store.ts';
import type { QrDependencies } from './qr-dependencies.ts';

export async function refundOrder(
  deps: QrDependencies,
  request: { orderId: string; amountFen: Fen; idempotencyKey: string },
): Promise<QrRefund> {
  if (request.amountFen <= 0n) throw new ServiceError('INVALID_ARGUMENT', 'amountFen must be positive');
  if (
    !/^[A-Za-z0-9_.:-]+$/.test(request.idempotencyKey) ||
    request.idempotencyKey.length > IDEMPOTENCY_KEY_LENGTH_MAX
  ) {
    throw new ServiceError('INVALID_ARGUMENT', 'idempotencyKey must be 1-64 characters of [A-Za-z0-9_.:-]');
  }
  const order = await deps.store.getOrder(request.orderId);
  if (order === undefined) throw new ServiceError('NOT_FOUND', 'no such QR order');
  const reservation = await deps.store.reserveRefund(order.orderId, {
    refundId: `qrr_${randomUUID().replaceAll('-', '')}`,
    amountFen: request.amountFen,
    idempotencyKey: request.idempotencyKey,
    nowMs: deps.nowMs(),
  });
  if (reservation.kind === 'not_refundable')
    throw new ServiceError('FAILED_PRECONDITION', 'only paid orders can be refunded');
  if (reservation.kind !== 'reserved' && reservation.kind !== 'existing')
    throw new ServiceError('FAILED_PRECONDITION', 'the refunds would exceed the paid amount');
  if (reservation.refund.amountFen !== request.amountFen) {
    throw new ServiceError('ALREADY_EXISTS', 'idempotencyKey was used for a different refund');
  }
  if (reservation.refund.status !== 'PENDING') return reservation.refund;
  return sendRefund(deps, reservation.refund);
}

/** Asks the provider for a PENDING refund (again); idempotent at the provider by refund id. */
export async function sendRefund(deps: QrDependencies, refund: QrRefund): Promise<QrRefund> {
  const order = await deps.store.getOrder(refund.orderId);
  if (order === undefined) throw new ServiceError('NOT_FOUND', 'no such QR order');
  const answer: WalletAnswer = await deps.wallet.refund(
    order.provider,
    order.orderId,
    refund.refundId,
    refund.amountFen,
  );
  if (answer.kind === 'ok') return deps.store.confirmRefund(refund.refundId, deps.nowMs());
  if (answer.kind === 'fail') return deps.store.failRefund(refund.refundId, answer.errorCode);
  await deps.store.rescheduleRefund(refund.refundId, deps.nowMs() + RESOLVER_RETRY_DELAY_MS);
  return refund;
}
