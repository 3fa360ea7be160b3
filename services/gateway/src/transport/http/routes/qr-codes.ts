/** Merchant QR code routes: static and dynamic codes (the payment flow itself lives under /v1/qr/...). */
import { type Static, Type } from '@sinclair/typebox';
import { actorOf } from '../access-control.ts';
import { qrCodeView } from '../presenters.ts';
import type { RoutePlugin } from '../route-context.ts';
import {
  AUTHENTICATED_ERRORS,
  errorResponses,
  FenString,
  MerchantId,
  MerchantIdParams,
  type MerchantIdPath,
  QrCodeId,
} from '../schemas/common.ts';
import { QrCodeView } from '../schemas/merchant-schemas.ts';

const CreateBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('static'), Type.Literal('dynamic')]),
    amountFen: Type.Optional(FenString),
    timeToLiveMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400_000 })),
    description: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
const QrParams = Type.Object({ merchantId: MerchantId, qrCodeId: QrCodeId }, { additionalProperties: false });
const ownMerchant = { kind: 'operator_or_own_merchant', merchantIdParam: 'merchantId' } as const;
const tags = ['qr-codes'];

export const qrCodeRoutes: RoutePlugin = async (app, { clients, call }) => {
  const merchant = clients.merchant;

  app.post<{ Params: MerchantIdPath; Body: Static<typeof CreateBody> }>(
    '/v1/merchants/:merchantId/qr-codes',
    {
      config: { access: ownMerchant },
      schema: {
        tags,
        summary: 'Create a static (payer enters amount) or dynamic (fixed amount, expires, single use) code',
        params: MerchantIdParams,
        body: CreateBody,
        response: { 201: QrCodeView, ...errorResponses(...AUTHENTICATED_ERRORS, 409, 429) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const code = await call(merchant, merchant.createQrCode, {
        merchantId: request.params.merchantId,
        kind: body.kind,
        amountFen: BigInt(body.amountFen ?? '0'),
        timeToLiveMs: BigInt(body.timeToLiveMs ?? 0),
        description: body.description ?? '',
        actor: actorOf(request),
      });
      return reply.code(201).send(qrCodeView(code));
    },
  );

  app.get<{ Params: MerchantIdPath }>(
    '/v1/merchants/:merchantId/qr-codes',
    {
      config: { access: ownMerchant },
      schema: {
        tags,
        summary: "List a merchant's QR codes, newest first",
        params: MerchantIdParams,
        response: {
          200: Type.Object({ qrCodes: Type.Array(QrCodeView) }, { additionalProperties: false }),
          ...errorResponses(...AUTHENTICATED_ERRORS),
        },
      },
    },
    async (request) => {
      const listed = await call(merchant, merchant.listQrCodes, { merchantId: request.params.merchantId });
      return { qrCodes: listed.qrCodes.map(qrCodeView) };
    },
  );

  app.post<{ Params: Static<typeof QrParams> }>(
    '/v1/merchants/:merchantId/qr-codes/:qrCodeId/revoke',
    {
      config: { access: ownMerchant },
      schema: {
        tags,
        summary: 'Revoke a QR code',
        params: QrParams,
        response: { 200: QrCodeView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      qrCodeView(
        await call(merchant, merchant.revokeQrCode, {
          qrCodeId: request.params.qrCodeId,
          merchantId: request.params.merchantId,
          actor: actorOf(request),
        }),
      ),
  );
};
