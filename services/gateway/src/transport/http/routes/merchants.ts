/** Merchant routes: the merchant record, operator status and fee plan changes, T0 enablement. */
import { type Static, Type } from '@sinclair/typebox';
import { actorOf } from '../access-control.ts';
import { merchantView, t0ApplicationView } from '../presenters.ts';
import type { RoutePlugin } from '../route-context.ts';
import {
  AUTHENTICATED_ERRORS,
  errorResponses,
  MerchantIdParams,
  type MerchantIdPath,
  Reason,
  T0ApplicationId,
} from '../schemas/common.ts';
import { FeePlanBody, MerchantView, T0ApplicationView } from '../schemas/merchant-schemas.ts';
import { feePlanMessage } from './fee-plan-message.ts';

const StatusBody = Type.Object(
  { status: Type.Union([Type.Literal('active'), Type.Literal('frozen'), Type.Literal('closed')]), reason: Reason },
  { additionalProperties: false },
);
const FeePlanChange = Type.Object(
  { feePlan: Type.Union([FeePlanBody, Type.Null()], { description: 'null = back to the MCC default' }) },
  { additionalProperties: false },
);
const T0Params = Type.Object({ id: T0ApplicationId }, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const tags = ['merchants'];
const ownMerchant = { kind: 'operator_or_own_merchant', merchantIdParam: 'merchantId' } as const;

export const merchantRoutes: RoutePlugin = async (app, { clients, call }) => {
  const merchant = clients.merchant;

  app.get<{ Params: MerchantIdPath }>(
    '/v1/merchants/:merchantId',
    {
      config: { access: ownMerchant },
      schema: {
        tags,
        summary: 'Read a merchant: number, status, fee plan, T0 flag',
        params: MerchantIdParams,
        response: { 200: MerchantView, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) =>
      merchantView(await call(merchant, merchant.getMerchant, { merchantId: request.params.merchantId })),
  );

  app.post<{ Params: MerchantIdPath; Body: Static<typeof StatusBody> }>(
    '/v1/merchants/:merchantId/status',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Freeze, unfreeze or close a merchant (its terminals stop or resume transacting)',
        params: MerchantIdParams,
        body: StatusBody,
        response: { 200: MerchantView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      merchantView(
        await call(merchant, merchant.setMerchantStatus, {
          merchantId: request.params.merchantId,
          status: request.body.status,
          reason: request.body.reason,
          actor: actorOf(request),
        }),
      ),
  );

  app.put<{ Params: MerchantIdPath; Body: Static<typeof FeePlanChange> }>(
    '/v1/merchants/:merchantId/fee-plan',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: "Override a merchant's fee plan, or return it to its MCC category default",
        params: MerchantIdParams,
        body: FeePlanChange,
        response: { 200: MerchantView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) => {
      const plan = request.body.feePlan;
      return merchantView(
        await call(merchant, merchant.setMerchantFeePlan, {
          merchantId: request.params.merchantId,
          feePlan: plan === null ? undefined : feePlanMessage(plan),
          actor: actorOf(request),
        }),
      );
    },
  );

  app.post<{ Params: MerchantIdPath }>(
    '/v1/merchants/:merchantId/t0-applications',
    {
      config: { access: ownMerchant },
      schema: {
        tags: ['t0'],
        summary: 'Apply for T0 (real-time settlement); an operator reviews it',
        params: MerchantIdParams,
        response: { 201: T0ApplicationView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const application = await call(merchant, merchant.submitT0Application, {
        merchantId: request.params.merchantId,
        actor: actorOf(request),
      });
      return reply.code(201).send(t0ApplicationView(application));
    },
  );

  app.post<{ Params: Static<typeof T0Params> }>(
    '/v1/t0-applications/:id/approve',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags: ['t0'],
        summary: "Approve a T0 application: the merchant's T0 flag turns on",
        params: T0Params,
        response: { 200: T0ApplicationView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      t0ApplicationView(
        await call(merchant, merchant.approveT0Application, {
          t0ApplicationId: request.params.id,
          actor: actorOf(request),
        }),
      ),
  );

  app.post<{ Params: Static<typeof T0Params>; Body: Static<typeof ReasonBody> }>(
    '/v1/t0-applications/:id/reject',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags: ['t0'],
        summary: 'Reject a T0 application with a reason',
        params: T0Params,
        body: ReasonBody,
        response: { 200: T0ApplicationView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      t0ApplicationView(
        await call(merchant, merchant.rejectT0Application, {
          t0ApplicationId: request.params.id,
          reason: request.body.reason,
          actor: actorOf(request),
        }),
      ),
  );

  app.post<{ Params: MerchantIdPath; Body: Static<typeof ReasonBody> }>(
    '/v1/merchants/:merchantId/t0/disable',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags: ['t0'],
        summary: 'Switch T0 off for a merchant (risk, overdue bills)',
        params: MerchantIdParams,
        body: ReasonBody,
        response: { 200: MerchantView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      merchantView(
        await call(merchant, merchant.disableT0, {
          merchantId: request.params.merchantId,
          reason: request.body.reason,
          actor: actorOf(request),
        }),
      ),
  );
};
