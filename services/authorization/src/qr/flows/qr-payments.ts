/**
 * The QR request flows: a merchant-presented dynamic order (the provider returns the code content),
 * a customer-presented payment code scanned by a terminal (risk first, then the provider chosen by
 * the code's prefix, then following a user who enters a password), queries and refunds. Refusals
 * are ServiceErrors with stable codes; the gRPC edge maps them.
 */
import { randomUUID } from 'node:crypto';
import { assert } from '@acq/assert';
import { ServiceError } from '@acq/grpc';
import { AMOUNT_FEN_MAX, type Fen } from '@acq/money';
import { computeFeeFen } from '../../domain/fee.ts';
import type { TerminalContext } from '../../flows/ports.ts';
import { maskPaymentCode, providerOfPaymentCode, type QrProvider, userPayingDeadlineMs } from '../domain/providers.ts';
import { QR_POS_ENTRY_MODE } from '../domain/qr-events.ts';
import type { QrChannel, QrOrder } from '../domain/qr-order.ts';
import {
  DESCRIPTION_LENGTH_MAX,
  HTTP_PAYMENT_WAIT_MS_MAX,
  IDEMPOTENCY_KEY_LENGTH_MAX,
  MERCHANT_ORDER_EXPIRY_MS_DEFAULT,
  MERCHANT_ORDER_EXPIRY_MS_MAX,
} from '../limits.ts';
import { applyWalletAnswer, followUntil, moveOrder, nextCheckAtMs } from './follow-order.ts';
import type { QrDependencies } from './qr-dependencies.ts';

export interface OrderRequest {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly amountFen: Fen;
  readonly description: string;
  readonly idempotencyKey: string;
}

function checkRequest(request: OrderRequest): void {
  if (request.amountFen <= 0n || request.amountFen > AMOUNT_FEN_MAX) {
    throw new ServiceError('INVALID_ARGUMENT', 'amountFen must be a positive amount within the limit');
  }
  if (request.description.length > DESCRIPTION_LENGTH_MAX)
    throw new ServiceError('INVALID_ARGUMENT', 'description is too long');
  if (
    !/^[A-Za-z0-9_.:-]{1,64}$/.test(request.idempotencyKey) ||
    request.idempotencyKey.length > IDEMPOTENCY_KEY_LENGTH_MAX
  ) {
    throw new ServiceError('INVALID_ARGUMENT', 'idempotencyKey must be 1-64 characters of [A-Za-z0-9_.:-]');
  }
}

/** The terminal's context, refusing terminals that are not the merchant's or may not transact. */
async function transactingTerminal(deps: QrDependencies, request: OrderRequest): Promise<TerminalContext> {
  const lookup = await deps.merchants.getTerminalContext(request.terminalId, {
    timeoutMs: deps.settings.merchantCallTimeoutMs,
  });
  if (lookup.kind === 'unavailable') throw new ServiceError('UNAVAILABLE', 'the merchant service did not answer');
  if (lookup.kind === 'not_found' || lookup.context.merchantId !== request.merchantId) {
    throw new ServiceError('NOT_FOUND', 'no such terminal for this merchant');
  }
  const terminal = lookup.context;
  if (terminal.merchantStatus !== 'active') throw new ServiceError('FAILED_PRECONDITION', 'the merchant is not active');
  if (terminal.terminalStatus !== 'activated')
    throw new ServiceError('FAILED_PRECONDITION', 'the terminal is not activated');
  return terminal;
}

function newOrder(
  terminal: TerminalContext,
  request: OrderRequest,
  fields: Pick<
    QrOrder,
    'flow' | 'channel' | 'provider' | 'expiresAtMs' | 'paymentCodeMasked' | 'riskReservationId' | 'authTxnId'
  >,
  nowMs: number,
): QrOrder {
  const order: QrOrder = {
    orderId: `qr_${randomUUID().replaceAll('-', '')}`,
    merchantId: terminal.merchantId,
    merchantNumber: terminal.merchantNumber,
    terminalId: terminal.terminalId,
    mcc: terminal.mcc,
    t0Enabled: terminal.t0Enabled,
    amountFen: request.amountFen,
    // A wallet payment's funding is unknown to us: charged like an unknown card (the credit rate).
    feeFen: computeFeeFen(request.amountFen, 'unknown', terminal.feePlan, terminal.t0Enabled),
    description: request.description,
    idempotencyKey: request.idempotencyKey,
    status: 'NOTPAY',
    abandoned: false,
    codeUrl: '',
    failureCode: '',
    createdAtMs: nowMs,
    paidAtMs: 0,
    nextCheckAtMs: nowMs,
    refundedFen: 0n as Fen,
    ...fields,
    cardOutcomeKnown: fields.channel === 'http',
  };
  return { ...order, nextCheckAtMs: nextCheckAtMs(order, 'NOTPAY', nowMs) };
}

function sameRequest(order: QrOrder, request: OrderRequest): void {
  if (order.amountFen !== request.amountFen || order.terminalId !== request.terminalId) {
    throw new ServiceError('ALREADY_EXISTS', 'idempotencyKey was used for a different request');
  }
}

/** 主扫: the merchant shows the code the provider returns; the callback or the resolver marks it paid. */
export async function createMerchantOrder(
  deps: QrDependencies,
  request: OrderRequest & { provider: QrProvider; expiresInMs: number },
): Promise<QrOrder> {
  checkRequest(request);
  const expiresInMs = request.expiresInMs === 0 ? MERCHANT_ORDER_EXPIRY_MS_DEFAULT : request.expiresInMs;
  if (expiresInMs < 1_000 || expiresInMs > MERCHANT_ORDER_EXPIRY_MS_MAX) {
    throw new ServiceError('INVALID_ARGUMENT', `expiresInMs must be within 1000..${MERCHANT_ORDER_EXPIRY_MS_MAX}`);
  }
  const terminal = await transactingTerminal(deps, request);
  const nowMs = deps.nowMs();
  const fields = {
    flow: 'merchant_presented',
    channel: 'http',
    provider: request.provider,
    expiresAtMs: nowMs + expiresInMs,
    paymentCodeMasked: '',
    riskReservationId: '',
    authTxnId: '',
  } as const;
  const inserted = await deps.store.insertOrder(newOrder(terminal, request, fields, nowMs));
  sameRequest(inserted.order, request);
  if (inserted.order.codeUrl !== '') return inserted.order;
  const answer = await deps.wallet.createOrder(
    request.provider,
    {
      outTradeNo: inserted.order.orderId,
      merchantNumber: terminal.merchantNumber,
      amountFen: request.amountFen,
      description: request.description,
    },
    { notifyUrl: deps.settings.callbackUrlTemplate.replace('{provider}', request.provider), expiresInMs },
  );
  if (answer.kind === 'ok') {
    await deps.store.setCodeUrl(inserted.order.orderId, answer.order.codeUrl);
    return { ...inserted.order, codeUrl: answer.order.codeUrl };
  }
  if (answer.kind === 'fail') {
    await moveOrder(deps, inserted.order, 'CLOSED', { failureCode: answer.errorCode });
    throw new ServiceError('FAILED_PRECONDITION', `the provider refused the order: ${answer.errorCode}`);
  }
  // Unknown: the resolver closes the order when it expires; the caller may retry with the same key.
  throw new ServiceError('UNAVAILABLE', 'the provider did not answer; retry with the same idempotencyKey');
}

export type RiskOutcome =
  | { readonly ok: true; readonly reservationId: string }
  | { readonly ok: false; readonly code: string };

/** The same risk assessment the card path uses, for a payment code (no card token). */
async function assessPayment(
  deps: QrDependencies,
  terminal: TerminalContext,
  request: OrderRequest,
): Promise<RiskOutcome> {
  const decision = await deps.risk.assess(
    {
      txnId: `qrrisk_${request.merchantId}_${request.idempotencyKey}`,
      kind: 'purchase',
      terminal,
      cardToken: '',
      cardKind: 'unknown',
      amountFen: request.amountFen,
      posEntryMode: QR_POS_ENTRY_MODE,
      pinPresent: false,
      merchantNumberFromTerminal: terminal.merchantNumber,
      location: null,
      occurredAtMs: deps.nowMs(),
    },
    { timeoutMs: deps.settings.riskTimeoutMs },
  );
  if (decision.outcome === 'approve' || decision.outcome === 'approve_and_flag') {
    return { ok: true, reservationId: decision.reservationId };
  }
  if (decision.outcome === 'decline') return { ok: false, code: `RISK_DECLINED_${decision.responseCode}` };
  return deps.settings.riskFailOpen ? { ok: true, reservationId: '' } : { ok: false, code: 'RISK_UNAVAILABLE' };
}

interface CustomerPaymentInput {
  readonly request: OrderRequest;
  readonly paymentCode: string;
  readonly terminal: TerminalContext;
  readonly channel: QrChannel;
  readonly riskReservationId: string;
  readonly authTxnId: string;
  /** Until when the caller waits for a final state; the resolver follows the order after that. */
  readonly waitUntilMs: number;
}

/** Sends the payment code to its provider and follows the order until it is final or the wait ends. */
async function payWithCode(deps: QrDependencies, input: CustomerPaymentInput): Promise<QrOrder> {
  const provider = providerOfPaymentCode(input.paymentCode);
  assert(provider !== undefined, 'payment codes are routed before an order exists');
  const nowMs = deps.nowMs();
  const fields = {
    flow: 'customer_presented',
    channel: input.channel,
    provider,
    expiresAtMs: userPayingDeadlineMs(provider, nowMs),
    paymentCodeMasked: maskPaymentCode(input.paymentCode),
    riskReservationId: input.riskReservationId,
    authTxnId: input.authTxnId,
  } as const;
  const inserted = await deps.store.insertOrder(newOrder(input.terminal, input.request, fields, nowMs));
  sameRequest(inserted.order, input.request);
  if (!inserted.created) return followUntil(deps, inserted.order, input.waitUntilMs);
  const answer = await deps.wallet.micropay(
    provider,
    {
      outTradeNo: inserted.order.orderId,
      merchantNumber: input.terminal.merchantNumber,
      amountFen: input.request.amountFen,
      description: input.request.description,
    },
    input.paymentCode,
  );
  if (answer.kind === 'fail') return moveOrder(deps, inserted.order, 'CLOSED', { failureCode: answer.errorCode });
  const order = await applyWalletAnswer(deps, inserted.order, answer);
  return followUntil(deps, order, input.waitUntilMs);
}

/** 被扫 over HTTP: risk, the provider by prefix, then up to HTTP_PAYMENT_WAIT_MS_MAX for the user. */
export async function createCustomerPayment(
  deps: QrDependencies,
  request: OrderRequest & { paymentCode: string },
): Promise<QrOrder> {
  checkRequest(request);
  if (providerOfPaymentCode(request.paymentCode) === undefined) {
    throw new ServiceError('INVALID_ARGUMENT', 'the payment code belongs to no supported provider');
  }
  const terminal = await transactingTerminal(deps, request);
  const risk = await assessPayment(deps, terminal, request);
  if (!risk.ok) throw new ServiceError('FAILED_PRECONDITION', `payment refused by risk: ${risk.code}`);
  return payWithCode(deps, {
    request,
    paymentCode: request.paymentCode,
    terminal,
    channel: 'http',
    riskReservationId: risk.reservationId,
    authTxnId: '',
    waitUntilMs: deps.nowMs() + HTTP_PAYMENT_WAIT_MS_MAX,
  });
}

export type TerminalPaymentOutcome =
  | { readonly outcome: 'approved'; readonly order: QrOrder }
  | { readonly outcome: 'declined'; readonly failureCode: string }
  | { readonly outcome: 'timeout'; readonly order: QrOrder };

/**
 * A scan-code purchase from the card pipeline (field 22 = 03x, code in field 59): risk already ran
 * there and the pipeline announces the approval. A payment not final by waitUntilMs is abandoned:
 * the resolver revokes it (returning the money if the user pays later).
 */
export async function payAtTerminal(
  deps: QrDependencies,
  input: { terminal: TerminalContext; amountFen: Fen; paymentCode: string; authTxnId: string; waitUntilMs: number },
): Promise<TerminalPaymentOutcome> {
  if (providerOfPaymentCode(input.paymentCode) === undefined)
    return { outcome: 'declined', failureCode: 'AUTH_CODE_INVALID' };
  const request: OrderRequest = {
    merchantId: input.terminal.merchantId,
    terminalId: input.terminal.terminalId,
    amountFen: input.amountFen,
    description: '',
    idempotencyKey: input.authTxnId,
  };
  const order = await payWithCode(deps, {
    request,
    paymentCode: input.paymentCode,
    terminal: input.terminal,
    channel: 'terminal',
    riskReservationId: '',
    authTxnId: input.authTxnId,
    waitUntilMs: input.waitUntilMs,
  });
  if (order.status === 'SUCCESS') return { outcome: 'approved', order };
  if (order.status === 'CLOSED' || order.status === 'REVOKED') {
    return { outcome: 'declined', failureCode: order.failureCode === '' ? order.status : order.failureCode };
  }
  await deps.store.abandon(order.orderId, deps.nowMs());
  return { outcome: 'timeout', order };
}

/** The card pipeline recorded the approved scan-code purchase: the payment is kept. */
export async function keepTerminalPayment(deps: QrDependencies, orderId: string): Promise<void> {
  await deps.store.markCardOutcomeKnown(orderId);
}

/** The pipeline could not record an approved scan-code purchase: the payment is given back. */
export async function abandonTerminalPayment(deps: QrDependencies, orderId: string): Promise<void> {
  await deps.store.abandon(orderId, deps.nowMs());
}

export async function getOrder(deps: QrDependencies, orderId: string): Promise<QrOrder> {
  const order = await deps.store.getOrder(orderId);
  if (order === undefined) throw new ServiceError('NOT_FOUND', 'no such QR order');
  return order;
}
