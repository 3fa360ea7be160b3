/**
 * Test cards: POST /cards, GET /cards/{pan}, PATCH /cards/{pan}. The PIN is write-only: no
 * response carries it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { availableFen, type Card, CARD_KINDS, CARD_STATUSES } from '../../domain/card.ts';
import { isValidIdNumber } from '../../domain/identity.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import {
  ErrorBody,
  errorBody,
  FenInput,
  FenOutput,
  fenFromJson,
  isoTime,
  optionalFen,
  PanText,
  PhoneText,
} from './schemas.ts';

const CardKindSchema = Type.Union(CARD_KINDS.map((kind) => Type.Literal(kind)));
const CardStatusSchema = Type.Union(CARD_STATUSES.map((status) => Type.Literal(status)));
const PinSchema = Type.String({ pattern: '^[0-9]{4,12}$' });
const ExpirySchema = Type.String({ pattern: '^[0-9]{2}(0[1-9]|1[0-2])$', description: 'YYMM' });

const CreateCardBody = Type.Object(
  {
    pan: Type.Optional(PanText),
    pin: PinSchema,
    expiry: ExpirySchema,
    kind: CardKindSchema,
    balanceFen: FenInput,
    status: Type.Optional(CardStatusSchema),
    singleLimitFen: Type.Optional(FenInput),
    holderName: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    idNumber: Type.Optional(Type.String({ pattern: '^[0-9]{17}[0-9X]$' })),
    phone: Type.Optional(PhoneText),
    bankName: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

const ChangeCardBody = Type.Object(
  {
    status: Type.Optional(CardStatusSchema),
    balanceFen: Type.Optional(FenInput),
    pin: Type.Optional(PinSchema),
    singleLimitFen: Type.Optional(Type.Union([FenInput, Type.Null()])),
    resetPinTries: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CardView = Type.Object(
  {
    pan: Type.String(),
    expiry: Type.String(),
    kind: CardKindSchema,
    status: CardStatusSchema,
    balanceFen: FenOutput,
    holdsFen: FenOutput,
    availableFen: FenOutput,
    singleLimitFen: Type.Union([FenOutput, Type.Null()]),
    pinTriesRemaining: Type.Integer(),
    holderName: Type.Union([Type.String(), Type.Null()]),
    idNumber: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    bankName: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const PanParams = Type.Object({ pan: PanText }, { additionalProperties: false });

function cardView(card: Card, pinTriesMax: number): Static<typeof CardView> {
  return {
    pan: card.pan,
    expiry: card.expiry,
    kind: card.kind,
    status: card.status,
    balanceFen: card.balanceFen.toString(),
    holdsFen: card.holdsFen.toString(),
    availableFen: availableFen(card).toString(),
    singleLimitFen: card.singleLimitFen === undefined ? null : card.singleLimitFen.toString(),
    pinTriesRemaining: Math.max(0, pinTriesMax - card.wrongPinCount),
    holderName: card.holder.holderName ?? null,
    idNumber: card.holder.idNumber ?? null,
    phone: card.holder.phone ?? null,
    bankName: card.holder.bankName ?? null,
    createdAt: isoTime(card.createdAtMs),
  };
}

export function cardRoutes(simulator: NetworkSimulator, pinTriesMax: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/cards',
      { schema: { body: CreateCardBody, response: { 201: CardView, 400: ErrorBody, 409: ErrorBody, 507: ErrorBody } } },
      async (request, reply) => {
        const body = request.body;
        if (body.idNumber !== undefined && !isValidIdNumber(body.idNumber)) {
          return reply.code(400).send(errorBody('ID_NUMBER_INVALID', 'idNumber fails the GB 11643 check character'));
        }
        const result = simulator.cardAdmin.create({
          pan: body.pan,
          pin: body.pin,
          expiry: body.expiry,
          kind: body.kind,
          balanceFen: fenFromJson(body.balanceFen),
          status: body.status ?? 'active',
          singleLimitFen: optionalFen(body.singleLimitFen),
          holder: { holderName: body.holderName, idNumber: body.idNumber, phone: body.phone, bankName: body.bankName },
        });
        if (result.ok) return reply.code(201).send(cardView(result.card, pinTriesMax));
        if (result.errorCode === 'PAN_INVALID')
          return reply.code(400).send(errorBody('PAN_INVALID', 'PAN fails the Luhn check'));
        if (result.errorCode === 'PAN_EXISTS')
          return reply.code(409).send(errorBody('PAN_EXISTS', 'a card with this PAN exists'));
        return reply.code(507).send(errorBody('STORE_FULL', 'the simulator holds its maximum number of cards'));
      },
    );

    app.get(
      '/cards/:pan',
      { schema: { params: PanParams, response: { 200: CardView, 404: ErrorBody } } },
      async (request, reply) => {
        simulator.sweep();
        const card = simulator.cardAdmin.get(request.params.pan);
        if (card === undefined) return reply.code(404).send(errorBody('CARD_NOT_FOUND', 'no card with this PAN'));
        return cardView(card, pinTriesMax);
      },
    );

    app.patch(
      '/cards/:pan',
      { schema: { params: PanParams, body: ChangeCardBody, response: { 200: CardView, 404: ErrorBody } } },
      async (request, reply) => {
        const body = request.body;
        const card = simulator.cardAdmin.change(request.params.pan, {
          status: body.status,
          balanceFen: optionalFen(body.balanceFen),
          pin: body.pin,
          singleLimitFen: body.singleLimitFen === null ? null : optionalFen(body.singleLimitFen),
          resetPinTries: body.resetPinTries ?? false,
        });
        if (card === undefined) return reply.code(404).send(errorBody('CARD_NOT_FOUND', 'no card with this PAN'));
        return cardView(card, pinTriesMax);
      },
    );
  };
}
