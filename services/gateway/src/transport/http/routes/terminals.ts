/** Terminal routes: registration (operators), listing, activation with the one-time code, re-binding. */
import { assert } from '@acq/assert';
import { type Static, Type } from '@sinclair/typebox';
import { actorOf } from '../access-control.ts';
import { terminalView } from '../presenters.ts';
import type { RoutePlugin } from '../route-context.ts';
import {
  AUTHENTICATED_ERRORS,
  errorResponses,
  MerchantId,
  MerchantIdParams,
  type MerchantIdPath,
  Reason,
  TerminalId,
} from '../schemas/common.ts';
import { TerminalView } from '../schemas/merchant-schemas.ts';

const SerialNumber = Type.String({ pattern: '^[A-Za-z0-9-]{6,32}$', examples: ['PAX-A920-0001'] });
const RegisterBody = Type.Object(
  { serialNumber: SerialNumber, model: Type.String({ minLength: 1, maxLength: 40, examples: ['PAX A920'] }) },
  { additionalProperties: false },
);
const Registered = Type.Object(
  {
    terminalId: TerminalId,
    activationCode: Type.String({ pattern: '^[0-9]{8}$', description: 'one-time; shown only here' }),
    terminal: TerminalView,
  },
  { additionalProperties: false },
);
const ActivateBody = Type.Object(
  { serialNumber: SerialNumber, activationCode: Type.String({ pattern: '^[0-9]{8}$' }) },
  { additionalProperties: false },
);
const Activated = Type.Object(
  {
    terminalId: TerminalId,
    merchantId: MerchantId,
    merchantNumber: Type.String({ pattern: '^[0-9]{15}$' }),
    tmk: Type.String({ pattern: '^[0-9A-F]{32}$', description: 'terminal master key, delivered once' }),
    tmkCheckValue: Type.String(),
  },
  { additionalProperties: false },
);
const TerminalParams = Type.Object({ terminalId: TerminalId }, { additionalProperties: false });
const RebindBody = Type.Object({ targetMerchantId: MerchantId, reason: Reason }, { additionalProperties: false });
const StatusBody = Type.Object(
  { status: Type.Union([Type.Literal('activated'), Type.Literal('frozen'), Type.Literal('retired')]), reason: Reason },
  { additionalProperties: false },
);
const tags = ['terminals'];

export const terminalRoutes: RoutePlugin = async (app, { clients, call }) => {
  const merchant = clients.merchant;

  app.post<{ Params: MerchantIdPath; Body: Static<typeof RegisterBody> }>(
    '/v1/merchants/:merchantId/terminals',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Register a terminal by serial number to a merchant; returns its one-time activation code',
        params: MerchantIdParams,
        body: RegisterBody,
        response: { 201: Registered, ...errorResponses(...AUTHENTICATED_ERRORS, 409, 429) },
      },
    },
    async (request, reply) => {
      const registered = await call(merchant, merchant.registerTerminal, {
        merchantId: request.params.merchantId,
        serialNumber: request.body.serialNumber,
        model: request.body.model,
        actor: actorOf(request),
      });
      const terminal = registered.terminal;
      assert(terminal !== undefined, 'a registration answers with its terminal');
      return reply.code(201).send({
        terminalId: terminal.terminalId,
        activationCode: registered.activationCode,
        terminal: terminalView(terminal),
      });
    },
  );

  app.get<{ Params: MerchantIdPath }>(
    '/v1/merchants/:merchantId/terminals',
    {
      config: { access: { kind: 'operator_or_own_merchant', merchantIdParam: 'merchantId' } },
      schema: {
        tags,
        summary: "List a merchant's terminals",
        params: MerchantIdParams,
        response: {
          200: Type.Object({ terminals: Type.Array(TerminalView) }, { additionalProperties: false }),
          ...errorResponses(...AUTHENTICATED_ERRORS),
        },
      },
    },
    async (request) => {
      const listed = await call(merchant, merchant.listTerminals, { merchantId: request.params.merchantId });
      return { terminals: listed.terminals.map(terminalView) };
    },
  );

  app.post<{ Body: Static<typeof ActivateBody> }>(
    '/v1/terminals/activate',
    {
      // The one-time activation code is the credential: installers have no API token.
      config: { access: { kind: 'public' } },
      schema: {
        tags,
        summary: 'Activate a terminal with its one-time code: binds it (一机一户) and delivers its TMK once',
        body: ActivateBody,
        response: { 200: Activated, ...errorResponses(400, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const activated = await call(merchant, merchant.activateTerminal, request.body);
      return {
        terminalId: activated.terminalId,
        merchantId: activated.merchantId,
        merchantNumber: activated.merchantNumber,
        tmk: activated.tmk,
        tmkCheckValue: activated.tmkCheckValue,
      };
    },
  );

  app.post<{ Params: Static<typeof TerminalParams>; Body: Static<typeof RebindBody> }>(
    '/v1/terminals/:terminalId/rebind',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Re-bind a terminal to another merchant (audited); it must be activated again with the new code',
        params: TerminalParams,
        body: RebindBody,
        response: { 200: Registered, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) => {
      const rebound = await call(merchant, merchant.rebindTerminal, {
        terminalId: request.params.terminalId,
        targetMerchantId: request.body.targetMerchantId,
        reason: request.body.reason,
        actor: actorOf(request),
      });
      const terminal = rebound.terminal;
      assert(terminal !== undefined, 'a re-binding answers with its terminal');
      return {
        terminalId: terminal.terminalId,
        activationCode: rebound.activationCode,
        terminal: terminalView(terminal),
      };
    },
  );

  app.post<{ Params: Static<typeof TerminalParams>; Body: Static<typeof StatusBody> }>(
    '/v1/terminals/:terminalId/status',
    {
      config: { access: { kind: 'operator' } },
      schema: {
        tags,
        summary: 'Freeze, unfreeze or retire a terminal',
        params: TerminalParams,
        body: StatusBody,
        response: { 200: TerminalView, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request) =>
      terminalView(
        await call(merchant, merchant.setTerminalStatus, {
          terminalId: request.params.terminalId,
          status: request.body.status,
          reason: request.body.reason,
          actor: actorOf(request),
        }),
      ),
  );
};
