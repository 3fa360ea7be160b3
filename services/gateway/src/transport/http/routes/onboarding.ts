/** Onboarding routes: applications and their review (operators), reads by the applicant's merchant. */
import { assert } from '@acq/assert';
import { type Static, Type } from '@sinclair/typebox';
import { actorOf, requireOwnMerchant } from '../access-control.ts';
import { applicationView } from '../presenters.ts';
import type { RoutePlugin } from '../route-context.ts';
import { ApplicationId, AUTHENTICATED_ERRORS, errorResponses, MerchantId, Reason } from '../schemas/common.ts';
import { ApplicationSubmission, ApplicationView, FeePlanBody } from '../schemas/merchant-schemas.ts';
import { feePlanMessage } from './fee-plan-message.ts';

const ApplicationParams = Type.Object({ id: ApplicationId }, { additionalProperties: false });
type ApplicationParams = Static<typeof ApplicationParams>;
const ApproveBody = Type.Object({ feePlan: Type.Optional(FeePlanBody) }, { additionalProperties: false });
const RejectBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const tags = ['onboarding'];

export const onboardingRoutes: RoutePlugin = async (app, { clients, call }) => {
  const merchant = clients.merchant;

  app.post<{ Body: Static<typeof ApplicationSubmission> }>(
    '/v1/merchant-applications',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Submit a merchant application (individual/micro or enterprise)',
        body: ApplicationSubmission,
        response: { 201: ApplicationView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const application = await call(merchant, merchant.submitApplication, {
        ...body,
        businessLicenceNumber: body.businessLicenceNumber ?? '',
        actor: actorOf(request),
      });
      return reply.code(201).send(applicationView(application));
    },
  );

  app.get<{ Params: ApplicationParams }>(
    '/v1/merchant-applications/:id',
    {
      config: { access: { kind: 'operator_or_merchant' } },
      schema: {
        tags,
        summary: 'Read an application (a merchant sees only the one that created it)',
        params: ApplicationParams,
        response: { 200: ApplicationView, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const application = await call(merchant, merchant.getApplication, { applicationId: request.params.id });
      requireOwnMerchant(request.principal, application.merchantId);
      return applicationView(application);
    },
  );

  app.post<{ Params: ApplicationParams }>(
    '/v1/merchant-applications/:id/start-review',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Take a submitted application under review',
        params: ApplicationParams,
        response: { 200: ApplicationView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      applicationView(
        await call(merchant, merchant.startApplicationReview, {
          applicationId: request.params.id,
          actor: actorOf(request),
        }),
      ),
  );

  app.post<{ Params: ApplicationParams; Body: Static<typeof ApproveBody> | undefined }>(
    '/v1/merchant-applications/:id/approve',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Approve an application: creates the merchant (15-digit number, MCC fee plan unless overridden)',
        params: ApplicationParams,
        body: Type.Union([ApproveBody, Type.Null()]),
        response: {
          200: Type.Object(
            {
              merchantId: MerchantId,
              merchantNumber: Type.String({ pattern: '^[0-9]{15}$' }),
              application: ApplicationView,
            },
            { additionalProperties: false },
          ),
          ...errorResponses(...AUTHENTICATED_ERRORS, 409, 429),
        },
      },
    },
    async (request) => {
      const feePlan = request.body?.feePlan;
      const approved = await call(merchant, merchant.approveApplication, {
        applicationId: request.params.id,
        actor: actorOf(request),
        feePlan: feePlan === undefined ? undefined : feePlanMessage(feePlan),
      });
      assert(approved.application !== undefined, 'an approval answers with its application');
      return {
        merchantId: approved.merchantId,
        merchantNumber: approved.merchantNumber,
        application: applicationView(approved.application),
      };
    },
  );

  app.post<{ Params: ApplicationParams; Body: Static<typeof RejectBody> }>(
    '/v1/merchant-applications/:id/reject',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Reject an application with a reason',
        params: ApplicationParams,
        body: RejectBody,
        response: { 200: ApplicationView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      applicationView(
        await call(merchant, merchant.rejectApplication, {
          applicationId: request.params.id,
          reason: request.body.reason,
          actor: actorOf(request),
        }),
      ),
  );
};
