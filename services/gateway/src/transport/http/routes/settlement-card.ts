/**
 * Settlement-card routes (seed 002, 换绑结算卡): the merchant's active card, the change flow step by step
 * (request with identity data, SMS code, agreement, micro-deposit amount), unbinding, and the operators'
 * review of changes held because the card is paid to another merchant. Thin: validate, call the card
 * registry over gRPC, present. Card numbers come in only in the change request body and go out only
 * masked.
 */
import { createClient } from '@acq/grpc';
import {
  type CardChange,
  type CardChangeStep,
  CardRegistryServiceClient,
  type SettlementCard,
} from '@acq/proto/card_registry/v1/card_registry.ts';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf, requireOwnMerchant } from '../access-control.ts';
import { HttpError } from '../http-error.ts';
import type { RouteContext, RoutePlugin } from '../route-context.ts';
import {
  AUTHENTICATED_ERRORS,
  errorResponses,
  FenString,
  MerchantId,
  MerchantIdParams,
  type MerchantIdPath,
  Reason,
  Timestamp,
} from '../schemas/common.ts';

declare module '../route-context.ts' {
  interface HttpClients {
    /** Optional until the gateway's main wires CARD_REGISTRY_GRPC_URL; without it these routes answer 503. */
    readonly cardRegistry?: CardRegistryServiceClient;
  }
}

/** For the gateway's main: `cardRegistry: createCardRegistryClient(config.CARD_REGISTRY_GRPC_URL)`. */
export function createCardRegistryClient(address: string): CardRegistryServiceClient {
  return createClient(CardRegistryServiceClient, address);
}

const CHANGE_STATES = [
  'requested',
  'identity_verified',
  'sms_confirmed',
  'agreement_signed',
  'under_review',
  'active',
  'failed',
] as const;
const ChangeId = Type.String({ pattern: '^cchg_[a-z2-7]{20}$', examples: ['cchg_abcdefghijklmnopqrst'] });
const MaskedCardNumber = Type.String({ pattern: '^[0-9]{6}\\*{6,9}[0-9]{4}$', examples: ['622202*********0128'] });
const ChangeParams = Type.Object({ changeId: ChangeId }, { additionalProperties: false });
type ChangeParams = Static<typeof ChangeParams>;

const SettlementCardView = Type.Object(
  {
    merchantId: MerchantId,
    cardId: Type.String(),
    cardVersion: Type.String({ pattern: '^[0-9]+$', description: 'grows with every card bound' }),
    accountNumberMasked: MaskedCardNumber,
    holderName: Type.String(),
    bankCode: Type.String(),
    bankName: Type.String(),
    accountKind: Type.Union([Type.Literal('personal'), Type.Literal('corporate')]),
    status: Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('unbound')]),
    activeFrom: Timestamp,
    retiredAt: Timestamp,
    t0SuspendedUntil: Timestamp,
    nextChangeAllowedAt: Timestamp,
  },
  { additionalProperties: false },
);

const ChangeStepView = Type.Object(
  {
    fromState: Type.String(),
    toState: Type.String(),
    action: Type.String({ examples: ['sms_confirmed'] }),
    actorSubject: Type.String(),
    actorRole: Type.String(),
    detail: Type.String(),
    at: Timestamp,
  },
  { additionalProperties: false },
);

const ChangeView = Type.Object(
  {
    changeId: ChangeId,
    merchantId: MerchantId,
    kind: Type.Union([Type.Literal('bind'), Type.Literal('change')]),
    state: Type.Union(CHANGE_STATES.map((state) => Type.Literal(state))),
    accountNumberMasked: MaskedCardNumber,
    holderName: Type.String(),
    bankName: Type.String(),
    phoneMasked: Type.String({ examples: ['138****8000'] }),
    verificationMethod: Type.String({ examples: ['micro_deposit'] }),
    failureCode: Type.Union([Type.String(), Type.Null()], { examples: ['SMS_CODE_EXPIRED'] }),
    failureMessage: Type.Union([Type.String(), Type.Null()]),
    smsCodeExpiresAt: Timestamp,
    smsAttemptsRemaining: Type.Integer({ minimum: 0 }),
    agreementVersionRequired: Type.String(),
    agreementVersionSigned: Type.Union([Type.String(), Type.Null()]),
    agreementSignedAt: Timestamp,
    verificationAttemptsRemaining: Type.Integer({ minimum: 0 }),
    reviewReason: Type.Union([Type.String(), Type.Null()]),
    t0SuspendedUntil: Timestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    steps: Type.Array(ChangeStepView, { description: 'the audit trail, oldest first' }),
  },
  { additionalProperties: false },
);

const ChangeRequestBody = Type.Object(
  {
    cardNumber: Type.String({ pattern: '^[0-9]{16,19}$', description: 'the new debit card; never echoed back' }),
    holderName: Type.String({ minLength: 1, maxLength: 64 }),
    idNumber: Type.String({ pattern: '^[0-9]{17}[0-9X]$', description: "the holder's resident ID number" }),
    phone: Type.String({ pattern: '^1[0-9]{10}$', description: 'the phone registered with the bank for this card' }),
    verificationMethod: Type.Optional(
      Type.Union([Type.Literal('micro_deposit'), Type.Literal('zero_amount')], { default: 'micro_deposit' }),
    ),
  },
  { additionalProperties: false },
);
const SmsCodeBody = Type.Object({ code: Type.String({ pattern: '^[0-9]{4,8}$' }) }, { additionalProperties: false });
const AgreementBody = Type.Object(
  { agreementVersion: Type.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
);
const VerificationBody = Type.Object(
  { amountFen: FenString },
  { additionalProperties: false, description: 'the micro-deposit amount the new card received' },
);
const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const ReviewBody = Type.Object(
  { decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), reason: Reason },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(CHANGE_STATES.map((state) => Type.Literal(state)))),
    merchantId: Type.Optional(MerchantId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

const tags = ['settlement-card'];
const ownMerchant = { kind: 'operator_or_own_merchant', merchantIdParam: 'merchantId' } as const;

function timestamp(ms: bigint): string | null {
  return ms === 0n ? null : new Date(Number(ms)).toISOString();
}

function orNull(text: string): string | null {
  return text === '' ? null : text;
}

function cardView(card: SettlementCard): Static<typeof SettlementCardView> {
  return {
    merchantId: card.merchantId,
    cardId: card.cardId,
    cardVersion: card.cardVersion.toString(),
    accountNumberMasked: card.accountNumberMasked,
    holderName: card.holderName,
    bankCode: card.bankCode,
    bankName: card.bankName,
    accountKind: card.accountKind === 'corporate' ? 'corporate' : 'personal',
    status: card.status === 'retired' || card.status === 'unbound' ? card.status : 'active',
    activeFrom: timestamp(card.activeFromMs),
    retiredAt: timestamp(card.retiredAtMs),
    t0SuspendedUntil: timestamp(card.t0SuspendedUntilMs),
    nextChangeAllowedAt: timestamp(card.nextChangeAllowedAtMs),
  };
}

function changeView(change: CardChange): Static<typeof ChangeView> {
  const state = CHANGE_STATES.find((candidate) => candidate === change.state);
  if (state === undefined) throw new HttpError(502, 'CARD_REGISTRY_ANSWER_INVALID', 'unknown change state');
  return {
    changeId: change.changeId,
    merchantId: change.merchantId,
    kind: change.kind === 'bind' ? 'bind' : 'change',
    state,
    accountNumberMasked: change.accountNumberMasked,
    holderName: change.holderName,
    bankName: change.bankName,
    phoneMasked: change.phoneMasked,
    verificationMethod: change.verificationMethod,
    failureCode: orNull(change.failureCode),
    failureMessage: orNull(change.failureMessage),
    smsCodeExpiresAt: timestamp(change.smsCodeExpiresAtMs),
    smsAttemptsRemaining: change.smsAttemptsRemaining,
    agreementVersionRequired: change.agreementVersionRequired,
    agreementVersionSigned: orNull(change.agreementVersionSigned),
    agreementSignedAt: timestamp(change.agreementSignedAtMs),
    verificationAttemptsRemaining: change.verificationAttemptsRemaining,
    reviewReason: orNull(change.reviewReason),
    t0SuspendedUntil: timestamp(change.t0SuspendedUntilMs),
    createdAt: timestamp(change.createdAtMs),
    updatedAt: timestamp(change.updatedAtMs),
    steps: change.steps.map(stepView),
  };
}

function stepView(step: CardChangeStep): Static<typeof ChangeStepView> {
  return {
    fromState: step.fromState,
    toState: step.toState,
    action: step.action,
    actorSubject: step.actorSubject,
    actorRole: step.actorRole,
    detail: step.detail,
    at: timestamp(step.atMs),
  };
}

type Registry = () => CardRegistryServiceClient;

function merchantCardRoutes(app: FastifyInstance, registry: Registry, call: RouteContext['call']): void {
  app.get<{ Params: MerchantIdPath }>(
    '/v1/merchants/:merchantId/settlement-card',
    {
      config: { access: ownMerchant },
      schema: {
        tags,
        summary: "The merchant's active settlement card (masked), its T0 suspension and the next allowed change",
        params: MerchantIdParams,
        response: { 200: SettlementCardView, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const client = registry();
      return cardView(await call(client, client.getSettlementCard, { merchantId: request.params.merchantId }));
    },
  );

  app.post<{ Params: MerchantIdPath; Body: Static<typeof ChangeRequestBody> }>(
    '/v1/merchants/:merchantId/settlement-card/changes',
    {
      config: { access: ownMerchant },
      schema: {
        tags,
        summary: 'Start a change (or the first bind): card rules, 4-element verification, then an SMS code is sent',
        description:
          'Answers 201 with the change. A change the bank check ends (identity mismatch, card unknown) is returned in state failed with failureCode; the third failure locks the card (IDENTITY_LOCKED, 429).',
        params: MerchantIdParams,
        body: ChangeRequestBody,
        response: { 201: ChangeView, ...errorResponses(...AUTHENTICATED_ERRORS, 409, 429) },
      },
    },
    async (request, reply) => {
      const client = registry();
      const body = request.body;
      const change = await call(client, client.requestCardChange, {
        merchantId: request.params.merchantId,
        cardNumber: body.cardNumber,
        holderName: body.holderName,
        idNumber: body.idNumber,
        phone: body.phone,
        verificationMethod: body.verificationMethod ?? 'micro_deposit',
        actor: actorOf(request),
      });
      return reply.code(201).send(changeView(change));
    },
  );
}

function unbindRoute(app: FastifyInstance, registry: Registry, call: RouteContext['call']): void {
  app.post<{ Params: MerchantIdPath; Body: Static<typeof ReasonBody> }>(
    '/v1/merchants/:merchantId/settlement-card/unbind',
    {
      config: { access: ownMerchant },
      schema: {
        tags,
        summary: 'Unbind the active card: merchants are refused (NO_OTHER_CARD, change it instead); operators may',
        params: MerchantIdParams,
        body: ReasonBody,
        response: { 200: SettlementCardView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) => {
      const client = registry();
      const unbound = await call(client, client.unbindSettlementCard, {
        merchantId: request.params.merchantId,
        reason: request.body.reason,
        actor: actorOf(request),
      });
      if (unbound.card === undefined) throw new HttpError(502, 'CARD_REGISTRY_ANSWER_INVALID', 'no card in the answer');
      return cardView(unbound.card);
    },
  );
}

/** Reads the change first so a merchant token may act only on its own merchant's changes. */
async function ownChange(
  registry: Registry,
  call: RouteContext['call'],
  request: FastifyRequest<{ Params: ChangeParams }>,
): Promise<CardChange> {
  const client = registry();
  const change = await call(client, client.getCardChange, { changeId: request.params.changeId });
  requireOwnMerchant(request.principal, change.merchantId);
  return change;
}

function stepOptions(summary: string, body: typeof SmsCodeBody | typeof AgreementBody | typeof VerificationBody) {
  return {
    config: { access: { kind: 'operator_or_merchant' } as const },
    schema: {
      tags,
      summary,
      params: ChangeParams,
      body,
      response: { 200: ChangeView, ...errorResponses(...AUTHENTICATED_ERRORS, 409, 429) },
    },
  };
}

function changeStepRoutes(app: FastifyInstance, registry: Registry, call: RouteContext['call']): void {
  app.get<{ Params: ChangeParams }>(
    '/v1/settlement-card-changes/:changeId',
    {
      config: { access: { kind: 'operator_or_merchant' } },
      schema: {
        tags,
        summary: 'A change with its state, what it waits for, and its audit trail',
        params: ChangeParams,
        response: { 200: ChangeView, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => changeView(await ownChange(registry, call, request)),
  );

  app.post<{ Params: ChangeParams; Body: Static<typeof SmsCodeBody> }>(
    '/v1/settlement-card-changes/:changeId/sms-code',
    stepOptions(
      'Confirm the SMS code (SMS_CODE_WRONG counts an attempt; an expired code fails the change)',
      SmsCodeBody,
    ),
    async (request) => {
      const client = registry();
      await ownChange(registry, call, request);
      const { changeId } = request.params;
      return changeView(
        await call(client, client.confirmSmsCode, { changeId, code: request.body.code, actor: actorOf(request) }),
      );
    },
  );

  app.post<{ Params: ChangeParams; Body: Static<typeof AgreementBody> }>(
    '/v1/settlement-card-changes/:changeId/agreement',
    stepOptions(
      'Sign the agreement (current version); starts the micro-deposit or the zero-amount check',
      AgreementBody,
    ),
    async (request) => {
      const client = registry();
      await ownChange(registry, call, request);
      const { changeId } = request.params;
      const agreementVersion = request.body.agreementVersion;
      return changeView(
        await call(client, client.signAgreement, { changeId, agreementVersion, actor: actorOf(request) }),
      );
    },
  );

  app.post<{ Params: ChangeParams; Body: Static<typeof VerificationBody> }>(
    '/v1/settlement-card-changes/:changeId/verification',
    stepOptions(
      'Confirm the micro-deposit amount; the new card becomes active (or waits for review)',
      VerificationBody,
    ),
    async (request) => {
      const client = registry();
      await ownChange(registry, call, request);
      const { changeId } = request.params;
      const amountFen = BigInt(request.body.amountFen);
      return changeView(
        await call(client, client.confirmCardVerification, { changeId, amountFen, actor: actorOf(request) }),
      );
    },
  );
}

function operatorReviewRoutes(app: FastifyInstance, registry: Registry, call: RouteContext['call']): void {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/settlement-card-changes',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Changes, newest first (state=under_review lists those waiting for a decision)',
        querystring: ListQuery,
        response: {
          200: Type.Object({ changes: Type.Array(ChangeView) }, { additionalProperties: false }),
          ...errorResponses(...AUTHENTICATED_ERRORS),
        },
      },
    },
    async (request) => {
      const client = registry();
      const listed = await call(client, client.listCardChanges, {
        state: request.query.state ?? '',
        merchantId: request.query.merchantId ?? '',
        limit: request.query.limit ?? 0,
      });
      return { changes: listed.changes.map(changeView) };
    },
  );

  app.post<{ Params: ChangeParams; Body: Static<typeof ReviewBody> }>(
    '/v1/settlement-card-changes/:changeId/review',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Decide a change held for review: approve activates the card, reject fails the change',
        params: ChangeParams,
        body: ReviewBody,
        response: { 200: ChangeView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) => {
      const client = registry();
      const change = await call(client, client.reviewCardChange, {
        changeId: request.params.changeId,
        decision: request.body.decision,
        reason: request.body.reason,
        actor: actorOf(request),
      });
      return changeView(change);
    },
  );
}

export const settlementCardRoutes: RoutePlugin = async (app, { clients, call }) => {
  const registry: Registry = () => {
    if (clients.cardRegistry === undefined)
      throw new HttpError(503, 'CARD_REGISTRY_UNAVAILABLE', 'the card registry is not configured');
    return clients.cardRegistry;
  };
  merchantCardRoutes(app, registry, call);
  unbindRoute(app, registry, call);
  changeStepRoutes(app, registry, call);
  operatorReviewRoutes(app, registry, call);
};
