/**
 * Applying what a provider says about an order, and following a pending order to a final state.
 * Shared by the request paths (HTTP and terminal), the callback handler and the resolver, so every
 * path moves an order the same way: through the store's state machine, with the risk reservation of
 * a customer-presented payment confirmed when it is paid and released when it ends unpaid.
 */
import { assert } from '@acq/assert';
import type { WalletAnswer } from '../../clients/wallet/index.ts';
import { isFinal, orderStatusOfWallet, type QrOrder, type QrOrderStatus } from '../domain/qr-order.ts';
import { PENDING_POLL_INTERVAL_MS, RESOLVER_RETRY_DELAY_MS, UNPAID_ORDER_QUERY_INTERVAL_MS } from '../limits.ts';
import type { QrDependencies } from './qr-dependencies.ts';

/** When the resolver should next look at an order in this status (never after it is overdue). */
export function nextCheckAtMs(order: QrOrder, status: QrOrderStatus, nowMs: number): number {
  if (isFinal(status) && !(status === 'SUCCESS' && order.abandoned)) return nowMs;
  const intervalMs = status === 'USERPAYING' ? PENDING_POLL_INTERVAL_MS : UNPAID_ORDER_QUERY_INTERVAL_MS;
  return Math.min(nowMs + intervalMs, Math.max(order.expiresAtMs, nowMs));
}

/** Moves the order to `status` (if the state machine allows) and settles its risk reservation. */
export async function moveOrder(
  deps: QrDependencies,
  order: QrOrder,
  status: QrOrderStatus,
  details: { paidAtMs?: number; failureCode?: string } = {},
): Promise<QrOrder> {
  const nowMs = deps.nowMs();
  const result = await deps.store.applyStatus(order.orderId, {
    status,
    nextCheckAtMs: nextCheckAtMs(order, status, nowMs),
    ...(details.paidAtMs === undefined ? {} : { paidAtMs: details.paidAtMs }),
    ...(details.failureCode === undefined ? {} : { failureCode: details.failureCode }),
  });
  if (result.changed) await settleRiskReservation(deps, result.order);
  return result.order;
}

/** Applies a provider's answer carrying the order; anything else only reschedules the next check. */
export async function applyWalletAnswer(deps: QrDependencies, order: QrOrder, answer: WalletAnswer): Promise<QrOrder> {
  if (answer.kind !== 'ok') {
    await deps.store.reschedule(order.orderId, deps.nowMs() + RESOLVER_RETRY_DELAY_MS);
    return order;
  }
  const status = orderStatusOfWallet(answer.order.status);
  assert(status !== undefined, 'providers answer known order statuses');
  assert(answer.order.amountFen === order.amountFen, 'the provider holds the amount we asked for');
  const paidAtMs = answer.order.paidAtMs > 0 ? answer.order.paidAtMs : deps.nowMs();
  return moveOrder(deps, order, status, status === 'SUCCESS' ? { paidAtMs } : {});
}

async function settleRiskReservation(deps: QrDependencies, order: QrOrder): Promise<void> {
  if (order.riskReservationId === '' || !isFinal(order.status)) return;
  if (order.status === 'SUCCESS') await deps.risk.confirm(order.riskReservationId, order.orderId);
  else await deps.risk.release(order.riskReservationId, `qr_${order.status.toLowerCase()}`);
}

/**
 * Queries the provider until the order is final or untilMs passes (a user entering a password),
 * one query per poll interval. Returns the last known order; the resolver takes over an open one.
 */
export async function followUntil(deps: QrDependencies, start: QrOrder, untilMs: number): Promise<QrOrder> {
  let order = start;
  const pollCountMax = Math.ceil(Math.max(0, untilMs - deps.nowMs()) / PENDING_POLL_INTERVAL_MS) + 1;
  for (let poll = 0; poll < pollCountMax && !isFinal(order.status); poll += 1) {
    const waitMs = Math.min(PENDING_POLL_INTERVAL_MS, untilMs - deps.nowMs());
    if (waitMs <= 0) break;
    await deps.sleep(waitMs);
    order = await applyWalletAnswer(deps, order, await deps.wallet.query(order.provider, order.orderId));
  }
  return order;
}
