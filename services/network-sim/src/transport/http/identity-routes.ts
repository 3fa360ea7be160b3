/**
 * Identity verification (3/4 elements with lockout, zero-amount card verification) and SMS: the
 * platform sends with POST /sms, tests read codes with GET /sms?phone=.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { LIMITS } from '../../limits.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import { ErrorBody, errorBody, isoTime, PanText, PhoneText } from './schemas.ts';

const VerificationBody = Type.Object(
  {
    cardNumber: PanText,
    name: Type.String({ minLength: 1, maxLength: 64 }),
    idNumber: Type.String({ minLength: 1, maxLength: 32 }),
    phone: Type.Optional(PhoneText),
  },
  { additionalProperties: false },
);

const VerificationView = Type.Object(
  {
    result: Type.String(),
    mismatched: Type.Array(Type.String()),
    lockedUntil: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const AttemptsView = Type.Object(
  {
    cardNumber: Type.String(),
    day: Type.String(),
    attemptsToday: Type.Integer(),
    consecutiveFailures: Type.Integer(),
    lockedUntil: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const CardParams = Type.Object({ cardNumber: PanText }, { additionalProperties: false });

const SmsView = Type.Object(
  {
    messageId: Type.String(),
    phone: Type.String(),
    text: Type.String(),
    sentAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

/** 3/4-element verification, zero-amount card verification and lockout counters. */
function verificationRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  const identity = simulator.identity;
  return async (app) => {
    app.post(
      '/identity/verifications',
      { schema: { body: VerificationBody, response: { 200: VerificationView } } },
      async (request) => {
        const body = request.body;
        const outcome = identity.verifyElements(body.cardNumber, {
          name: body.name,
          idNumber: body.idNumber,
          phone: body.phone,
        });
        return {
          result: outcome.result,
          mismatched: outcome.result === 'MISMATCH' ? outcome.mismatched : [],
          lockedUntil: outcome.result === 'LOCKED' ? isoTime(outcome.lockedUntilMs) : null,
        };
      },
    );

    app.post(
      '/identity/card-verifications',
      {
        schema: {
          body: Type.Object(
            {
              cardNumber: PanText,
              expiry: Type.Optional(Type.String({ pattern: '^[0-9]{2}(0[1-9]|1[0-2])$' })),
              name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ result: Type.String(), amountFen: Type.String() }, { additionalProperties: false }),
          },
        },
      },
      async (request) => ({
        result: identity.verifyCard(request.body.cardNumber, request.body.expiry, request.body.name),
        amountFen: '0',
      }),
    );

    app.get(
      '/identity/cards/:cardNumber/attempts',
      { schema: { params: CardParams, response: { 200: AttemptsView } } },
      async (request) => {
        const attempts = identity.attempts(request.params.cardNumber);
        return {
          cardNumber: request.params.cardNumber,
          day: attempts.day,
          attemptsToday: attempts.attemptsToday,
          consecutiveFailures: attempts.consecutiveFailures,
          lockedUntil: isoTime(attempts.lockedUntilMs),
        };
      },
    );

    app.delete('/identity/cards/:cardNumber/attempts', { schema: { params: CardParams } }, async (request, reply) => {
      identity.unlock(request.params.cardNumber);
      return reply.code(204).send();
    });
  };
}

/** SMS the platform sends and tests read. */
function smsRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/sms',
      {
        schema: {
          body: Type.Object(
            { phone: PhoneText, text: Type.String({ minLength: 1, maxLength: LIMITS.smsTextLengthMax }) },
            { additionalProperties: false },
          ),
          response: { 202: SmsView, 507: ErrorBody },
        },
      },
      async (request, reply) => {
        const message = simulator.sms.add(request.body.phone, request.body.text, simulator.clock());
        if (message === undefined)
          return reply.code(507).send(errorBody('STORE_FULL', 'the SMS store holds its maximum phones'));
        return reply.code(202).send({ ...message, sentAt: isoTime(message.sentAtMs) });
      },
    );

    app.get(
      '/sms',
      {
        schema: {
          querystring: Type.Object({ phone: PhoneText }, { additionalProperties: false }),
          response: { 200: Type.Object({ messages: Type.Array(SmsView) }, { additionalProperties: false }) },
        },
      },
      async (request) => ({
        messages: simulator.sms
          .forPhone(request.query.phone)
          .map((message) => ({ ...message, sentAt: isoTime(message.sentAtMs) })),
      }),
    );
  };
}

/** Identity verification and SMS, one plugin per area. */
export function identityRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox[] {
  return [verificationRoutes(simulator), smsRoutes(simulator)];
}
