/**
 * Wallet providers over HTTP. Platform-facing: /wallet/{provider}/micropay (customer-presented),
 * /wallet/{provider}/orders (merchant-presented) with query, revoke, close and refunds.
 * Test-facing: wallet users, payment codes, "user pays this code URL", a slow user's decision,
 * callback log and fault knobs. Business refusals answer 200 with resultCode FAIL and an errorCode,
 * as the providers do; malformed requests answer 400.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { MERCHANT_ORDER_EXPIRY_MS_MAX, WALLET_PROVIDERS, type WalletOrder } from '../../domain/wallet.ts';
import { NO_WALLET_FAULTS, type WalletFaults, type WalletResult } from '../../flows/wallet-flow.ts';
import { LIMITS } from '../../limits.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import type { HttpCallbackSender } from './callback-sender.ts';
import { ErrorBody, errorBody, FenInput, FenOutput, fenFromJson, IdText, isoTime, Rate } from './schemas.ts';

const ProviderSchema = Type.Union(WALLET_PROVIDERS.map((provider) => Type.Literal(provider)));

const OrderView = Type.Object(
  {
    resultCode: Type.Union([Type.Literal('SUCCESS'), Type.Literal('FAIL')]),
    errorCode: Type.Union([Type.String(), Type.Null()]),
    order: Type.Union([
      Type.Object(
        {
          orderId: Type.String(),
          provider: Type.String(),
          flow: Type.String(),
          outTradeNo: Type.String(),
          merchantId: Type.String(),
          amountFen: FenOutput,
          status: Type.String(),
          codeUrl: Type.Union([Type.String(), Type.Null()]),
          createdAt: Type.Union([Type.String(), Type.Null()]),
          expiresAt: Type.Union([Type.String(), Type.Null()]),
          paidAt: Type.Union([Type.String(), Type.Null()]),
          refundedFen: FenOutput,
          refunds: Type.Array(
            Type.Object(
              { outRefundNo: Type.String(), refundId: Type.String(), amountFen: FenOutput },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
type OrderViewType = Static<typeof OrderView>;

const OrderBody = Type.Object(
  {
    outTradeNo: IdText,
    merchantId: Type.String({ minLength: 1, maxLength: 32 }),
    amountFen: FenInput,
    description: Type.Optional(Type.String({ maxLength: 128 })),
    notifyUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 512 })),
  },
  { additionalProperties: false },
);
const MicropayBody = Type.Composite(
  [OrderBody, Type.Object({ paymentCode: Type.String({ pattern: '^[0-9]{16,24}$' }) })],
  {
    additionalProperties: false,
  },
);
const CreateOrderBody = Type.Composite(
  [
    OrderBody,
    Type.Object({
      expiresInMs: Type.Optional(Type.Integer({ minimum: 1_000, maximum: MERCHANT_ORDER_EXPIRY_MS_MAX })),
    }),
  ],
  { additionalProperties: false },
);
const RefundBody = Type.Object({ outRefundNo: IdText, amountFen: FenInput }, { additionalProperties: false });
const ProviderParams = Type.Object({ provider: ProviderSchema }, { additionalProperties: false });
const OrderParams = Type.Object({ provider: ProviderSchema, outTradeNo: IdText }, { additionalProperties: false });
const UserParams = Type.Object({ userId: IdText }, { additionalProperties: false });

const UserView = Type.Object(
  { userId: Type.String(), provider: Type.String(), balanceFen: FenOutput, requiresPassword: Type.Boolean() },
  { additionalProperties: false },
);
const CreateUserBody = Type.Object(
  { provider: ProviderSchema, balanceFen: FenInput, requiresPassword: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

const WalletFaultsSchema = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    systemErrorRate: Type.Optional(Rate),
    slowUserMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    lostCallbackRate: Type.Optional(Rate),
    duplicateCallbackRate: Type.Optional(Rate),
    callbackDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    callbackJitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
  },
  { additionalProperties: false },
);

const DeliveryView = Type.Object(
  {
    deliveryId: Type.String(),
    outTradeNo: Type.String(),
    provider: Type.String(),
    eventType: Type.String(),
    attempt: Type.Integer(),
    copy: Type.Integer(),
    url: Type.String(),
    sentAt: Type.Union([Type.String(), Type.Null()]),
    httpStatus: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

function orderView(result: WalletResult<WalletOrder> | { ok: true; value: WalletOrder | undefined }): OrderViewType {
  if (!result.ok) return { resultCode: 'FAIL', errorCode: result.errorCode, order: null };
  const order = result.value;
  if (order === undefined) return { resultCode: 'FAIL', errorCode: 'ORDER_NOT_FOUND', order: null };
  return {
    resultCode: 'SUCCESS',
    errorCode: null,
    order: {
      orderId: order.orderId,
      provider: order.provider,
      flow: order.flow,
      outTradeNo: order.outTradeNo,
      merchantId: order.merchantId,
      amountFen: order.amountFen.toString(),
      status: order.status,
      codeUrl: order.codeUrl ?? null,
      createdAt: isoTime(order.createdAtMs),
      expiresAt: isoTime(order.expiresAtMs),
      paidAt: isoTime(order.paidAtMs),
      refundedFen: order.refundedFen.toString(),
      refunds: [...order.refunds.values()].map((refund) => ({
        outRefundNo: refund.outRefundNo,
        refundId: refund.refundId,
        amountFen: refund.amountFen.toString(),
      })),
    },
  };
}

function orderInput(body: Static<typeof OrderBody>) {
  return {
    outTradeNo: body.outTradeNo,
    merchantId: body.merchantId,
    amountFen: fenFromJson(body.amountFen),
    description: body.description ?? '',
    notifyUrl: body.notifyUrl,
  };
}

const orderResponse = { response: { 200: OrderView } };

/** Platform-facing provider APIs: micropay, orders, query, revoke, close, refunds. */
function platformWalletRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  const wallet = simulator.wallet;
  return async (app) => {
    app.addHook('onRequest', async () => {
      // The provider's latency knob: held here so the state change itself is not delayed.
      if (wallet.faults.latencyMs > 0) await sleep(wallet.faults.latencyMs);
    });

    app.post(
      '/wallet/:provider/micropay',
      { schema: { params: ProviderParams, body: MicropayBody, ...orderResponse } },
      async (request) =>
        orderView(wallet.micropay(request.params.provider, orderInput(request.body), request.body.paymentCode)),
    );

    app.post(
      '/wallet/:provider/orders',
      { schema: { params: ProviderParams, body: CreateOrderBody, ...orderResponse } },
      async (request) =>
        orderView(wallet.createOrder(request.params.provider, orderInput(request.body), request.body.expiresInMs)),
    );

    app.get(
      '/wallet/:provider/orders/:outTradeNo',
      { schema: { params: OrderParams, ...orderResponse } },
      async (request) =>
        orderView({ ok: true, value: wallet.query(request.params.provider, request.params.outTradeNo) }),
    );

    app.post(
      '/wallet/:provider/orders/:outTradeNo/revoke',
      { schema: { params: OrderParams, ...orderResponse } },
      async (request) => orderView(wallet.revoke(request.params.provider, request.params.outTradeNo)),
    );

    app.post(
      '/wallet/:provider/orders/:outTradeNo/close',
      { schema: { params: OrderParams, ...orderResponse } },
      async (request) => orderView(wallet.close(request.params.provider, request.params.outTradeNo)),
    );

    app.post(
      '/wallet/:provider/orders/:outTradeNo/refunds',
      { schema: { params: OrderParams, body: RefundBody, ...orderResponse } },
      async (request) =>
        orderView(
          wallet.refund(
            request.params.provider,
            request.params.outTradeNo,
            request.body.outRefundNo,
            fenFromJson(request.body.amountFen),
          ),
        ),
    );
  };
}

/** Test-facing wallet users and payment codes. */
function walletUserRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  const wallet = simulator.wallet;
  return async (app) => {
    app.post(
      '/wallet/users',
      { schema: { body: CreateUserBody, response: { 201: UserView, 507: ErrorBody } } },
      async (request, reply) => {
        const created = wallet.createUser(
          request.body.provider,
          fenFromJson(request.body.balanceFen),
          request.body.requiresPassword ?? false,
        );
        if (!created.ok) return reply.code(507).send(errorBody(created.errorCode, 'wallet user store is full'));
        const user = created.value;
        return reply.code(201).send({ ...user, balanceFen: user.balanceFen.toString() });
      },
    );

    app.get(
      '/wallet/users/:userId',
      { schema: { params: UserParams, response: { 200: UserView, 404: ErrorBody } } },
      async (request, reply) => {
        const user = wallet.user(request.params.userId);
        if (user === undefined) return reply.code(404).send(errorBody('USER_NOT_FOUND', 'no wallet user with this id'));
        return { ...user, balanceFen: user.balanceFen.toString() };
      },
    );

    app.post(
      '/wallet/users/:userId/payment-codes',
      {
        schema: {
          params: UserParams,
          response: {
            201: Type.Object(
              { paymentCode: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) },
              { additionalProperties: false },
            ),
            404: ErrorBody,
            507: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const issued = wallet.issuePaymentCode(request.params.userId);
        if (!issued.ok && issued.errorCode === 'STORE_FULL') {
          return reply.code(507).send(errorBody(issued.errorCode, 'too many unused payment codes'));
        }
        if (!issued.ok) return reply.code(404).send(errorBody(issued.errorCode, 'no wallet user with this id'));
        return reply.code(201).send({ paymentCode: issued.value.code, expiresAt: isoTime(issued.value.expiresAtMs) });
      },
    );
  };
}

/** Test-facing user actions: pay a code URL, decide a USERPAYING order. */
function walletUserActionRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  const wallet = simulator.wallet;
  return async (app) => {
    app.post(
      '/wallet/users/:userId/payments',
      {
        schema: {
          params: UserParams,
          body: Type.Object(
            { codeUrl: Type.String({ minLength: 1, maxLength: 512 }) },
            { additionalProperties: false },
          ),
          ...orderResponse,
        },
      },
      async (request) => orderView(wallet.userPaysCodeUrl(request.params.userId, request.body.codeUrl)),
    );

    app.post(
      '/wallet/orders/:orderId/user-decision',
      {
        schema: {
          params: Type.Object({ orderId: IdText }, { additionalProperties: false }),
          body: Type.Object(
            { decision: Type.Union([Type.Literal('confirm'), Type.Literal('cancel')]) },
            { additionalProperties: false },
          ),
          ...orderResponse,
        },
      },
      async (request) => orderView(wallet.userDecides(request.params.orderId, request.body.decision)),
    );
  };
}

/** Callback delivery log and wallet fault knobs. */
function walletOpsRoutes(simulator: NetworkSimulator, callbacks: HttpCallbackSender): FastifyPluginAsyncTypebox {
  const wallet = simulator.wallet;
  return async (app) => {
    app.get(
      '/wallet/callbacks',
      {
        schema: {
          querystring: Type.Object({ outTradeNo: Type.Optional(IdText) }, { additionalProperties: false }),
          response: { 200: Type.Object({ deliveries: Type.Array(DeliveryView) }, { additionalProperties: false }) },
        },
      },
      async (request) => ({
        deliveries: callbacks
          .deliveriesFor(request.query.outTradeNo)
          .map((delivery) => ({ ...delivery, sentAt: isoTime(delivery.sentAtMs) })),
      }),
    );

    app.get(
      '/wallet/faults',
      { schema: { response: { 200: Type.Required(WalletFaultsSchema) } } },
      async () => wallet.faults,
    );

    app.put(
      '/wallet/faults',
      { schema: { body: WalletFaultsSchema, response: { 200: Type.Required(WalletFaultsSchema) } } },
      async (request) => {
        const faults: WalletFaults = { ...NO_WALLET_FAULTS, ...request.body };
        wallet.faults = faults;
        return faults;
      },
    );

    app.delete('/wallet/faults', async (_request, reply) => {
      wallet.faults = { ...NO_WALLET_FAULTS };
      return reply.code(204).send();
    });
  };
}

/** Wallet providers over HTTP, one plugin per area. */
export function walletRoutes(simulator: NetworkSimulator, callbacks: HttpCallbackSender): FastifyPluginAsyncTypebox[] {
  return [
    platformWalletRoutes(simulator),
    walletUserRoutes(simulator),
    walletUserActionRoutes(simulator),
    walletOpsRoutes(simulator, callbacks),
  ];
}
