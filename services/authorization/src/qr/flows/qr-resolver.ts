/**
 * The resolver drives every open order to a final state and survives restarts (its work list is the
 * table): lost callbacks are found by querying, expired merchant-presented orders are closed,
 * customer-presented payments past their provider window (or abandoned by a terminal) are revoked,
 * and PENDING refunds are asked again. One replica runs it (advisory lease); bounded batches.
 */
import type { WalletAnswer } from '../../clients/wallet/index.ts';
import { revokeAllowedAtMs } from '../domain/providers.ts';
import { type QrOrder, resolverActionFor } from '../domain/qr-order.ts';
import { TERMINAL_TIMEOUT_MS } from '../../limits.ts';
import { RESOLVER_BATCH_ROWS_MAX, RESOLVER_RETRY_DELAY_MS, WALLET_REQUEST_TIMEOUT_MS } from '../limits.ts';
import { applyWalletAnswer, moveOrder } from './follow-order.ts';
import type { QrDependencies } from './qr-dependencies.ts';
import { sendRefund } from './qr-refunds.ts';

/** One sweep: due orders, then pending refunds. Returns how many rows it handled. */
export async function resolveDueWork(deps: QrDependencies): Promise<number> {
  const nowMs = deps.nowMs();
  const orders = await deps.store.dueOrders(nowMs, RESOLVER_BATCH_ROWS_MAX);
  for (const order of orders) await resolveOrder(deps, order);
  const refunds = await deps.store.pendingRefunds(nowMs, RESOLVER_BATCH_ROWS_MAX);
  for (const refund of refunds) await sendRefund(deps, refund);
  return orders.length + refunds.length;
}

export async function resolveOrder(deps: QrDependencies, order: QrOrder): Promise<QrOrder> {
  const nowMs = deps.nowMs();
  const action = resolverActionFor(order, nowMs, revokeAllowedAtMs(order.provider, order.createdAtMs));
  if (action === 'none') return order;
  if (action === 'check_card_outcome') return checkCardOutcome(deps, order);
  if (action === 'query') return afterAnswer(deps, order, await deps.wallet.query(order.provider, order.orderId));
  if (action === 'close') {
    const closed = await deps.wallet.close(order.provider, order.orderId);
    if (closed.kind === 'fail' && closed.errorCode === 'ORDER_PAID') {
      return afterAnswer(deps, order, await deps.wallet.query(order.provider, order.orderId));
    }
    return afterAnswer(deps, order, closed);
  }
  const revoked = await deps.wallet.revoke(order.provider, order.orderId);
  if (revoked.kind === 'fail' && revoked.errorCode === 'REVOKE_TOO_EARLY') {
    await deps.store.reschedule(order.orderId, nowMs + RESOLVER_RETRY_DELAY_MS);
    return order;
  }
  return afterAnswer(deps, order, revoked);
}

/**
 * A paid terminal order whose pipeline did not finish in this process (a crash between the wallet's
 * SUCCESS and the pipeline's commit): kept if the purchase was recorded approved, revoked if it was
 * not; a still-pending purchase is closed by the recovery job before the terminal's timeout ends.
 */
async function checkCardOutcome(deps: QrDependencies, order: QrOrder): Promise<QrOrder> {
  const status = await deps.store.cardTransactionStatus(order.authTxnId);
  const nowMs = deps.nowMs();
  if (status === 'approved') {
    await deps.store.markCardOutcomeKnown(order.orderId);
    return { ...order, cardOutcomeKnown: true };
  }
  if (status === 'pending' && nowMs - order.createdAtMs < TERMINAL_TIMEOUT_MS) {
    await deps.store.reschedule(order.orderId, nowMs + RESOLVER_RETRY_DELAY_MS);
    return order;
  }
  deps.logger.warn(
    { orderId: order.orderId, cardStatus: status ?? 'missing' },
    'revoking a scan-code payment the terminal was not told about',
  );
  await deps.store.abandon(order.orderId, nowMs);
  return { ...order, abandoned: true };
}

/**
 * An order the provider does not know was never created there (the request was lost before it
 * arrived, or we crashed before sending it): once no request of ours can still be in flight, it ends.
 */
async function afterAnswer(deps: QrDependencies, order: QrOrder, answer: WalletAnswer): Promise<QrOrder> {
  if (answer.kind === 'fail' && answer.errorCode === 'ORDER_NOT_FOUND') {
    if (deps.nowMs() - order.createdAtMs < 2 * WALLET_REQUEST_TIMEOUT_MS) {
      await deps.store.reschedule(order.orderId, deps.nowMs() + RESOLVER_RETRY_DELAY_MS);
      return order;
    }
    const finalStatus = order.flow === 'customer_presented' && order.abandoned ? 'REVOKED' : 'CLOSED';
    return moveOrder(deps, order, finalStatus, { failureCode: 'ORDER_NOT_FOUND' });
  }
  if (answer.kind === 'fail') {
    deps.logger.warn({ orderId: order.orderId, errorCode: answer.errorCode }, 'provider refused a resolver call');
  }
  return applyWalletAnswer(deps, order, answer);
}
