/**
 * QR payment routes over the authorization service's QrPaymentService: merchant-presented dynamic
 * orders, customer-presented payment codes, order query, refunds, and the providers' signed
 * callbacks. The callback route is public: it is authenticated by the provider's HMAC signature over
 * the raw body, which is passed to authorization untouched (so it is parsed as bytes here).
 */
import { assert } from '@acq/assert';
import {
  QrFlow,
  type QrOrder,
  QrOrderStatus,
  type QrPaymentServiceClient,
  type QrRefund,
} from '@acq/proto/authorization/v1/qr.ts';
import { type Static, Type } from '@sinclair/typebox';
import { requireOwnMerchant } from '../access-control.ts';
import { HttpError } from '../http-error.ts';
import type { RoutePlugin } from '../route-context.ts';
import {
  AUTHENTICATED_ERRORS,
  errorResponses,
  FenString,
  MerchantId,
  TerminalId,
  Timestamp,
} from '../schemas/common.ts';

declare module '../route-context.ts' {
  interface HttpClients {
    /** Optional until the gateway's main wires it (AUTHORIZATION_GRPC_URL); without it these routes answer 503. */
    readonly qrPayments?: QrPaymentServiceClient;
  }
}

const PROVIDERS = ['wechat', 'alipay', 'unionpay'] as const;
const Provider = Type.Union(PROVIDERS.map((provider) => Type.Literal(provider)));
const OrderId = Type.String({ pattern: '^qr_[0-9a-f]{32}$' });
const IdempotencyKey = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', examples: ['order-20261122-0001'] });
const Description = Type.String({ maxLength: 128 });
const PaymentCode = Type.String({ pattern: '^[0-9]{16,24}$', description: 'the code shown by the customer wallet' });

const STATUS_NAME: Readonly<Record<number, string>> = {
  [QrOrderStatus.QR_ORDER_STATUS_NOTPAY]: 'NOTPAY',
  [QrOrderStatus.QR_ORDER_STATUS_USERPAYING]: 'USERPAYING',
  [QrOrderStatus.QR_ORDER_STATUS_SUCCESS]: 'SUCCESS',
  [QrOrderStatus.QR_ORDER_STATUS_CLOSED]: 'CLOSED',
  [QrOrderStatus.QR_ORDER_STATUS_REVOKED]: 'REVOKED',
};

const OrderView = Type.Object(
  {
    orderId: OrderId,
    flow: Type.Union([Type.Literal('merchant_presented'), Type.Literal('customer_presented')]),
    provider: Type.String(),
    merchantId: Type.String(),
    terminalId: Type.String(),
    amountFen: FenString,
    feeFen: FenString,
    refundedFen: FenString,
    description: Type.String(),
    status: Type.Union(Object.values(STATUS_NAME).map((name) => Type.Literal(name))),
    codeUrl: Type.Union([Type.String(), Type.Null()], { description: 'merchant-presented: the QR code content' }),
    failureCode: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    paidAt: Timestamp,
  },
  { additionalProperties: false },
);
const RefundView = Type.Object(
  {
    refundId: Type.String(),
    orderId: OrderId,
    amountFen: FenString,
    status: Type.String({ examples: ['SUCCESS', 'PENDING', 'FAILED'] }),
    failureCode: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
const CreateOrderBody = Type.Object(
  {
    merchantId: MerchantId,
    terminalId: TerminalId,
    amountFen: FenString,
    provider: Provider,
    description: Type.Optional(Description),
    expiresInMs: Type.Optional(Type.Integer({ minimum: 1_000, maximum: 7_200_000 })),
    idempotencyKey: IdempotencyKey,
  },
  { additionalProperties: false },
);
const CreatePaymentBody = Type.Object(
  {
    merchantId: MerchantId,
    terminalId: TerminalId,
    amountFen: FenString,
    paymentCode: PaymentCode,
    description: Type.Optional(Description),
    idempotencyKey: IdempotencyKey,
  },
  { additionalProperties: false },
);
const RefundBody = Type.Object(
  { amountFen: FenString, idempotencyKey: IdempotencyKey },
  { additionalProperties: false },
);
const OrderParams = Type.Object({ orderId: OrderId }, { additionalProperties: false });
const ProviderParams = Type.Object({ provider: Provider }, { additionalProperties: false });
const tags = ['qr'];
const merchantAccess = { kind: 'operator_or_merchant' } as const;

function timestamp(ms: bigint): string | null {
  return ms === 0n ? null : new Date(Number(ms)).toISOString();
}

function orderView(order: QrOrder): Static<typeof OrderView> {
  const status = STATUS_NAME[order.status];
  assert(status !== undefined, 'authorization answers known QR statuses');
  return {
    orderId: order.orderId,
    flow: order.flow === QrFlow.QR_FLOW_MERCHANT_PRESENTED ? 'merchant_presented' : 'customer_presented',
    provider: order.provider,
    merchantId: order.merchantId,
    terminalId: order.terminalId,
    amountFen: order.amountFen.toString(),
    feeFen: order.feeFen.toString(),
    refundedFen: order.refundedFen.toString(),
    description: order.description,
    status,
    codeUrl: order.codeUrl === '' ? null : order.codeUrl,
    failureCode: order.failureCode === '' ? null : order.failureCode,
    createdAt: timestamp(order.createdAtMs),
    expiresAt: timestamp(order.expiresAtMs),
    paidAt: timestamp(order.paidAtMs),
  };
}

function refundView(refund: QrRefund): Static<typeof RefundView> {
  return {
    refundId: refund.refundId,
    orderId: refund.orderId,
    amountFen: refund.amountFen.toString(),
    status: refund.status,
    failureCode: refund.failureCode === '' ? null : refund.failureCode,
    createdAt: timestamp(refund.createdAtMs),
  };
}

function headerText(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value : '';
}

export const qrPaymentRoutes: RoutePlugin = async (app, { clients, call }) => {
  const qrClient = (): QrPaymentServiceClient => {
    if (clients.qrPayments === undefined) {
      throw new HttpError(503, 'QR_UNAVAILABLE', 'the QR payment service is not configured');
    }
    return clients.qrPayments;
  };

  app.post<{ Body: Static<typeof CreateOrderBody> }>(
    '/v1/qr/orders',
    {
      config: { access: merchantAccess },
      schema: {
        tags,
        summary: 'Merchant-presented dynamic code (主扫): create an order and get the code content to show',
        body: CreateOrderBody,
        response: { 201: OrderView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      requireOwnMerchant(request.principal, body.merchantId);
      const qr = qrClient();
      const order = await call(qr, qr.createQrOrder, {
        merchantId: body.merchantId,
        terminalId: body.terminalId,
        amountFen: BigInt(body.amountFen),
        description: body.description ?? '',
        idempotencyKey: body.idempotencyKey,
        provider: body.provider,
        expiresInMs: BigInt(body.expiresInMs ?? 0),
      });
      return reply.code(201).send(orderView(order));
    },
  );

  app.post<{ Body: Static<typeof CreatePaymentBody> }>(
    '/v1/qr/payments',
    {
      config: { access: merchantAccess },
      schema: {
        tags,
        summary:
          'Customer-presented payment code (被扫): charge the code; USERPAYING means poll GET /v1/qr/orders/{orderId}',
        body: CreatePaymentBody,
        response: { 201: OrderView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      requireOwnMerchant(request.principal, body.merchantId);
      const qr = qrClient();
      const order = await call(qr, qr.createQrPayment, {
        merchantId: body.merchantId,
        terminalId: body.terminalId,
        amountFen: BigInt(body.amountFen),
        description: body.description ?? '',
        idempotencyKey: body.idempotencyKey,
        paymentCode: body.paymentCode,
      });
      return reply.code(201).send(orderView(order));
    },
  );

  app.get<{ Params: Static<typeof OrderParams> }>(
    '/v1/qr/orders/:orderId',
    {
      config: { access: merchantAccess },
      schema: {
        tags,
        summary: 'A QR order and its status (NOTPAY, USERPAYING, SUCCESS, CLOSED, REVOKED)',
        params: OrderParams,
        response: { 200: OrderView, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const qr = qrClient();
      const order = await call(qr, qr.getQrOrder, { orderId: request.params.orderId });
      requireOwnMerchant(request.principal, order.merchantId);
      return orderView(order);
    },
  );

  app.post<{ Params: Static<typeof OrderParams>; Body: Static<typeof RefundBody> }>(
    '/v1/qr/orders/:orderId/refunds',
    {
      config: { access: merchantAccess },
      schema: {
        tags,
        summary: 'Refund part or all of a paid QR order (the refunded total never exceeds the amount)',
        params: OrderParams,
        body: RefundBody,
        response: { 201: RefundView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const qr = qrClient();
      const order = await call(qr, qr.getQrOrder, { orderId: request.params.orderId });
      requireOwnMerchant(request.principal, order.merchantId);
      const refund = await call(qr, qr.refundQrOrder, {
        orderId: request.params.orderId,
        amountFen: BigInt(request.body.amountFen),
        idempotencyKey: request.body.idempotencyKey,
      });
      return reply.code(201).send(refundView(refund));
    },
  );

  // The signature covers the exact bytes received, so this scope keeps JSON bodies as raw bytes.
  await app.register(async (callbacks) => {
    callbacks.removeAllContentTypeParsers();
    callbacks.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    callbacks.post<{ Params: Static<typeof ProviderParams> }>(
      '/v1/qr/callbacks/:provider',
      {
        config: { access: { kind: 'public' } },
        schema: {
          tags,
          summary: "A wallet provider's signed notification (x-sim-timestamp, x-sim-nonce, x-sim-signature)",
          params: ProviderParams,
          response: {
            200: Type.Object({ code: Type.Literal('SUCCESS') }, { additionalProperties: false }),
            ...errorResponses(400, 401, 404, 409, 503),
          },
        },
      },
      async (request) => {
        const body = request.body;
        if (!Buffer.isBuffer(body)) throw new HttpError(400, 'CALLBACK_BODY_MISSING', 'the callback has no body');
        const qr = qrClient();
        await call(qr, qr.handleQrCallback, {
          provider: request.params.provider,
          timestamp: headerText(request.headers['x-sim-timestamp']),
          nonce: headerText(request.headers['x-sim-nonce']),
          signature: headerText(request.headers['x-sim-signature']),
          body,
        });
        return { code: 'SUCCESS' as const };
      },
    );
  });
};
