/**
 * QR orders and refunds in Postgres. Status changes go through `applyStatus`, which locks the row,
 * applies the state machine (duplicate and out-of-order provider news change nothing) and, in the
 * same SQL transaction, writes the money event through the outbox: exactly one TransactionApproved
 * per paid HTTP order and one TransactionRefunded per confirmed refund.
 */
import { assert } from '@acq/assert';
import { writeOutboxEvents } from '@acq/bus';
import { withTransaction } from '@acq/db';
import type { Fen } from '@acq/money';
import type pg from 'pg';
import { qrPaidEvent, qrRefundedEvent } from '../domain/qr-events.ts';
import { canTransition, type QrOrder, type QrOrderStatus } from '../domain/qr-order.ts';
import type { QrProvider } from '../domain/providers.ts';

interface OrderRow {
  order_id: string;
  flow: QrOrder['flow'];
  channel: QrOrder['channel'];
  provider: QrProvider;
  merchant_id: string;
  merchant_number: string;
  terminal_id: string;
  mcc: string;
  t0_enabled: boolean;
  amount_fen: bigint;
  fee_fen: bigint;
  description: string;
  idempotency_key: string;
  status: QrOrderStatus;
  abandoned: boolean;
  card_outcome_known: boolean;
  code_url: string;
  payment_code_masked: string;
  failure_code: string;
  risk_reservation_id: string;
  auth_txn_id: string;
  created_at_ms: bigint;
  expires_at_ms: bigint;
  paid_at_ms: bigint;
  next_check_at_ms: bigint;
  refunded_fen: bigint;
}

function orderOf(row: OrderRow): QrOrder {
  return {
    orderId: row.order_id,
    flow: row.flow,
    channel: row.channel,
    provider: row.provider,
    merchantId: row.merchant_id,
    merchantNumber: row.merchant_number,
    terminalId: row.terminal_id,
    mcc: row.mcc,
    t0Enabled: row.t0_enabled,
    amountFen: row.amount_fen as Fen,
    feeFen: row.fee_fen as Fen,
    description: row.description,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    abandoned: row.abandoned,
    cardOutcomeKnown: row.card_outcome_known,
    codeUrl: row.code_url,
    paymentCodeMasked: row.payment_code_masked,
    failureCode: row.failure_code,
    riskReservationId: row.risk_reservation_id,
    authTxnId: row.auth_txn_id,
    createdAtMs: Number(row.created_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    paidAtMs: Number(row.paid_at_ms),
    nextCheckAtMs: Number(row.next_check_at_ms),
    refundedFen: row.refunded_fen as Fen,
  };
}

export interface QrRefund {
  readonly refundId: string;
  readonly orderId: string;
  readonly amountFen: Fen;
  readonly idempotencyKey: string;
  readonly status: 'PENDING' | 'SUCCESS' | 'FAILED';
  readonly failureCode: string;
  readonly createdAtMs: number;
}

interface RefundRow {
  refund_id: string;
  order_id: string;
  amount_fen: bigint;
  idempotency_key: string;
  status: QrRefund['status'];
  failure_code: string;
  created_at_ms: bigint;
}

function refundOf(row: RefundRow): QrRefund {
  return {
    refundId: row.refund_id,
    orderId: row.order_id,
    amountFen: row.amount_fen as Fen,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    failureCode: row.failure_code,
    createdAtMs: Number(row.created_at_ms),
  };
}

export interface StatusChange {
  readonly status: QrOrderStatus;
  readonly paidAtMs?: number;
  readonly failureCode?: string;
  readonly nextCheckAtMs: number;
}

export type RefundReservation =
  | { readonly kind: 'reserved' | 'existing'; readonly refund: QrRefund }
  | { readonly kind: 'not_refundable' | 'exceeds_paid' };

const INSERT_ORDER = `
INSERT INTO qr_orders (order_id, flow, channel, provider, merchant_id, merchant_number, terminal_id, mcc, t0_enabled,
  amount_fen, fee_fen, description, idempotency_key, status, code_url, payment_code_masked, risk_reservation_id,
  auth_txn_id, created_at_ms, expires_at_ms, next_check_at_ms, card_outcome_known)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
ON CONFLICT (merchant_id, idempotency_key) DO NOTHING
RETURNING *`;

export class QrOrderStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Inserts the order, or returns the order an earlier request with the same idempotency key created. */
  async insertOrder(order: QrOrder): Promise<{ readonly created: boolean; readonly order: QrOrder }> {
    const inserted = await this.#pool.query<OrderRow>(INSERT_ORDER, [
      order.orderId,
      order.flow,
      order.channel,
      order.provider,
      order.merchantId,
      order.merchantNumber,
      order.terminalId,
      order.mcc,
      order.t0Enabled,
      order.amountFen,
      order.feeFen,
      order.description,
      order.idempotencyKey,
      order.status,
      order.codeUrl,
      order.paymentCodeMasked,
      order.riskReservationId,
      order.authTxnId,
      order.createdAtMs,
      order.expiresAtMs,
      order.nextCheckAtMs,
      order.cardOutcomeKnown,
    ]);
    const row = inserted.rows[0];
    if (row !== undefined) return { created: true, order: orderOf(row) };
    const existing = await this.#pool.query<OrderRow>(
      'SELECT * FROM qr_orders WHERE merchant_id = $1 AND idempotency_key = $2',
      [order.merchantId, order.idempotencyKey],
    );
    const existingRow = existing.rows[0];
    assert(existingRow !== undefined, 'an idempotency conflict names a stored order');
    return { created: false, order: orderOf(existingRow) };
  }

  async getOrder(orderId: string): Promise<QrOrder | undefined> {
    const result = await this.#pool.query<OrderRow>('SELECT * FROM qr_orders WHERE order_id = $1', [orderId]);
    const row = result.rows[0];
    return row === undefined ? undefined : orderOf(row);
  }

  /**
   * Moves the order to change.status if the state machine allows it; writes TransactionApproved for
   * an HTTP order that becomes SUCCESS in the same transaction. Returns the order after the call
   * and whether this call changed its status.
   */
  async applyStatus(orderId: string, change: StatusChange): Promise<{ changed: boolean; order: QrOrder }> {
    return withTransaction(this.#pool, async (client) => {
      const locked = await client.query<OrderRow>('SELECT * FROM qr_orders WHERE order_id = $1 FOR UPDATE', [orderId]);
      const row = locked.rows[0];
      assert(row !== undefined, 'status changes name a stored order');
      const current = orderOf(row);
      if (!canTransition(current.status, change.status)) {
        await client.query('UPDATE qr_orders SET next_check_at_ms = $2, updated_at = now() WHERE order_id = $1', [
          orderId,
          change.nextCheckAtMs,
        ]);
        return { changed: false, order: { ...current, nextCheckAtMs: change.nextCheckAtMs } };
      }
      const paidAtMs = change.status === 'SUCCESS' ? (change.paidAtMs ?? 0) : current.paidAtMs;
      const updated = await client.query<OrderRow>(
        `UPDATE qr_orders SET status = $2, paid_at_ms = $3, failure_code = $4, next_check_at_ms = $5, updated_at = now()
         WHERE order_id = $1 RETURNING *`,
        [orderId, change.status, paidAtMs, change.failureCode ?? current.failureCode, change.nextCheckAtMs],
      );
      const next = orderOf(updated.rows[0] as OrderRow);
      if (change.status === 'SUCCESS' && next.channel === 'http') {
        await writeOutboxEvents(client, [qrPaidEvent(next, paidAtMs)]);
      }
      return { changed: true, order: next };
    });
  }

  async setCodeUrl(orderId: string, codeUrl: string): Promise<void> {
    await this.#pool.query('UPDATE qr_orders SET code_url = $2, updated_at = now() WHERE order_id = $1', [
      orderId,
      codeUrl,
    ]);
  }

  /** Nobody waits for this payment any more: the resolver revokes it (returning the money if it was paid). */
  async abandon(orderId: string, nowMs: number): Promise<void> {
    await this.#pool.query(
      `UPDATE qr_orders SET abandoned = true, next_check_at_ms = $2, updated_at = now()
       WHERE order_id = $1 AND status IN ('NOTPAY', 'USERPAYING', 'SUCCESS')`,
      [orderId, nowMs],
    );
  }

  /** The card pipeline recorded the terminal purchase as approved: the payment is kept. */
  async markCardOutcomeKnown(orderId: string): Promise<void> {
    await this.#pool.query('UPDATE qr_orders SET card_outcome_known = true, updated_at = now() WHERE order_id = $1', [
      orderId,
    ]);
  }

  /** The card pipeline's status of a terminal scan-code purchase (same service, same schema). */
  async cardTransactionStatus(txnId: string): Promise<string | undefined> {
    const result = await this.#pool.query<{ status: string }>('SELECT status FROM transactions WHERE txn_id = $1', [
      txnId,
    ]);
    return result.rows[0]?.status;
  }

  async reschedule(orderId: string, nextCheckAtMs: number): Promise<void> {
    await this.#pool.query('UPDATE qr_orders SET next_check_at_ms = $2, updated_at = now() WHERE order_id = $1', [
      orderId,
      nextCheckAtMs,
    ]);
  }

  /** Open (and abandoned paid) orders whose check is due, oldest first, at most rowsMax. */
  async dueOrders(nowMs: number, rowsMax: number): Promise<QrOrder[]> {
    assert(rowsMax > 0, 'a sweep claims at least one row');
    const result = await this.#pool.query<OrderRow>(
      `SELECT * FROM qr_orders
       WHERE (status IN ('NOTPAY', 'USERPAYING') OR (status = 'SUCCESS' AND (abandoned OR NOT card_outcome_known)))
         AND next_check_at_ms <= $1
       ORDER BY next_check_at_ms LIMIT $2`,
      [nowMs, rowsMax],
    );
    return result.rows.map(orderOf);
  }

  /**
   * Reserves a refund of a paid order: the refunded total never exceeds the amount, even with
   * concurrent requests (row lock). A repeated idempotency key returns the earlier refund.
   */
  async reserveRefund(
    orderId: string,
    refund: { refundId: string; amountFen: Fen; idempotencyKey: string; nowMs: number },
  ): Promise<RefundReservation> {
    return withTransaction(this.#pool, async (client) => {
      const locked = await client.query<OrderRow>('SELECT * FROM qr_orders WHERE order_id = $1 FOR UPDATE', [orderId]);
      const row = locked.rows[0];
      assert(row !== undefined, 'refunds name a stored order');
      const previous = await client.query<RefundRow>(
        'SELECT * FROM qr_refunds WHERE order_id = $1 AND idempotency_key = $2',
        [orderId, refund.idempotencyKey],
      );
      const previousRow = previous.rows[0];
      if (previousRow !== undefined) return { kind: 'existing', refund: refundOf(previousRow) };
      const order = orderOf(row);
      if (order.status !== 'SUCCESS' || order.abandoned) return { kind: 'not_refundable' };
      if (order.refundedFen + refund.amountFen > order.amountFen) return { kind: 'exceeds_paid' };
      await client.query(
        'UPDATE qr_orders SET refunded_fen = refunded_fen + $2, updated_at = now() WHERE order_id = $1',
        [orderId, refund.amountFen],
      );
      const inserted = await client.query<RefundRow>(
        `INSERT INTO qr_refunds (refund_id, order_id, amount_fen, idempotency_key, status, created_at_ms, next_check_at_ms)
         VALUES ($1, $2, $3, $4, 'PENDING', $5, $5) RETURNING *`,
        [refund.refundId, orderId, refund.amountFen, refund.idempotencyKey, refund.nowMs],
      );
      return { kind: 'reserved', refund: refundOf(inserted.rows[0] as RefundRow) };
    });
  }

  /** The provider confirmed the refund: SUCCESS and TransactionRefunded once, in one transaction. */
  async confirmRefund(refundId: string, nowMs: number): Promise<QrRefund> {
    return withTransaction(this.#pool, async (client) => {
      const locked = await client.query<RefundRow>('SELECT * FROM qr_refunds WHERE refund_id = $1 FOR UPDATE', [
        refundId,
      ]);
      const row = locked.rows[0];
      assert(row !== undefined, 'confirmations name a stored refund');
      if (row.status !== 'PENDING') return refundOf(row);
      const orderResult = await client.query<OrderRow>('SELECT * FROM qr_orders WHERE order_id = $1', [row.order_id]);
      const order = orderOf(orderResult.rows[0] as OrderRow);
      const updated = await client.query<RefundRow>(
        "UPDATE qr_refunds SET status = 'SUCCESS' WHERE refund_id = $1 RETURNING *",
        [refundId],
      );
      await writeOutboxEvents(client, [qrRefundedEvent(order, refundId, row.amount_fen as Fen, nowMs)]);
      return refundOf(updated.rows[0] as RefundRow);
    });
  }

  /** The provider refused the refund: FAILED, and its reservation returns to the order. */
  async failRefund(refundId: string, failureCode: string): Promise<QrRefund> {
    return withTransaction(this.#pool, async (client) => {
      const locked = await client.query<RefundRow>('SELECT * FROM qr_refunds WHERE refund_id = $1 FOR UPDATE', [
        refundId,
      ]);
      const row = locked.rows[0];
      assert(row !== undefined, 'refusals name a stored refund');
      if (row.status !== 'PENDING') return refundOf(row);
      await client.query(
        'UPDATE qr_orders SET refunded_fen = refunded_fen - $2, updated_at = now() WHERE order_id = $1',
        [row.order_id, row.amount_fen],
      );
      const updated = await client.query<RefundRow>(
        "UPDATE qr_refunds SET status = 'FAILED', failure_code = $2 WHERE refund_id = $1 RETURNING *",
        [refundId, failureCode],
      );
      return refundOf(updated.rows[0] as RefundRow);
    });
  }

  async rescheduleRefund(refundId: string, nextCheckAtMs: number): Promise<void> {
    await this.#pool.query('UPDATE qr_refunds SET next_check_at_ms = $2 WHERE refund_id = $1', [
      refundId,
      nextCheckAtMs,
    ]);
  }

  async pendingRefunds(nowMs: number, rowsMax: number): Promise<QrRefund[]> {
    assert(rowsMax > 0, 'a sweep claims at least one row');
    const result = await this.#pool.query<RefundRow>(
      "SELECT * FROM qr_refunds WHERE status = 'PENDING' AND next_check_at_ms <= $1 ORDER BY next_check_at_ms LIMIT $2",
      [nowMs, rowsMax],
    );
    return result.rows.map(refundOf);
  }

  async findRefundByOrder(orderId: string, refundId: string): Promise<QrRefund | undefined> {
    const result = await this.#pool.query<RefundRow>(
      'SELECT * FROM qr_refunds WHERE order_id = $1 AND refund_id = $2',
      [orderId, refundId],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : refundOf(row);
  }
}
