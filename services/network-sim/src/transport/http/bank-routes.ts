/**
 * Bank rails over HTTP: payouts (202 then poll by payoutId), micro-deposits, card debits for bill
 * repayment, the transfers an account received or paid, and the rails' fault knobs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { BankTransfer } from '../../domain/bank.ts';
import { type BankFaults, DEFAULT_BANK_FAULTS } from '../../flows/bank-flow.ts';
import { LIMITS } from '../../limits.ts';
import type { NetworkSimulator } from '../../simulator.ts';
import { ErrorBody, errorBody, FenInput, FenOutput, fenFromJson, IdText, isoTime, PanText, Rate } from './schemas.ts';

const TransferView = Type.Object(
  {
    transferId: Type.String(),
    kind: Type.String(),
    requestId: Type.String(),
    accountNumber: Type.String(),
    accountName: Type.String(),
    amountFen: FenOutput,
    status: Type.String(),
    failureCode: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.Union([Type.String(), Type.Null()]),
    completedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const AccountFields = { accountNumber: PanText, accountName: Type.String({ minLength: 1, maxLength: 64 }) };
const PayoutBody = Type.Object(
  { payoutId: IdText, ...AccountFields, amountFen: FenInput },
  { additionalProperties: false },
);
const DebitBody = Type.Object(
  { debitId: IdText, ...AccountFields, amountFen: FenInput },
  { additionalProperties: false },
);
const MicroDepositBody = Type.Object({ requestId: IdText, ...AccountFields }, { additionalProperties: false });

const BankFaultsSchema = Type.Object(
  {
    resultDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    failureRate: Type.Optional(Rate),
    unknownRate: Type.Optional(Rate),
    unknownDurationMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
    submitTimeoutRate: Type.Optional(Rate),
    submitTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: LIMITS.faultDelayMsMax })),
  },
  { additionalProperties: false },
);

export function transferView(transfer: BankTransfer): Static<typeof TransferView> {
  return {
    transferId: transfer.transferId,
    kind: transfer.kind,
    requestId: transfer.requestId,
    accountNumber: transfer.accountNumber,
    accountName: transfer.accountName,
    amountFen: transfer.amountFen.toString(),
    status: transfer.status,
    failureCode: transfer.failureCode ?? null,
    createdAt: isoTime(transfer.createdAtMs),
    completedAt: isoTime(transfer.completedAtMs),
  };
}

const BANK_ERRORS = {
  REQUEST_ID_CONFLICT: { status: 409, message: 'this id was used for a different request' },
  STORE_FULL: { status: 507, message: 'the bank rails hold their maximum number of transfers' },
  INVALID_AMOUNT: { status: 400, message: 'amountFen must be positive' },
} as const;

function bankError(code: keyof typeof BANK_ERRORS) {
  return errorBody(code, BANK_ERRORS[code].message);
}

const TransferResponses = { 200: TransferView, 202: TransferView, 400: ErrorBody, 409: ErrorBody, 507: ErrorBody };

/** Payouts: submit (202) and query by the platform payout id. */
function payoutRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  const bank = simulator.bank;
  return async (app) => {
    app.post('/bank/payouts', { schema: { body: PayoutBody, response: TransferResponses } }, async (request, reply) => {
      const body = request.body;
      const result = bank.submitPayout({
        requestId: body.payoutId,
        accountNumber: body.accountNumber,
        accountName: body.accountName,
        amountFen: fenFromJson(body.amountFen),
      });
      if (!result.ok) return reply.code(BANK_ERRORS[result.errorCode].status).send(bankError(result.errorCode));
      // An injected slow submission: the payout is accepted now but the answer comes late.
      if (result.holdResponseMs > 0) await sleep(result.holdResponseMs);
      return reply.code(202).send(transferView(result.transfer));
    });

    app.get(
      '/bank/payouts/:payoutId',
      {
        schema: {
          params: Type.Object({ payoutId: IdText }, { additionalProperties: false }),
          response: { 200: TransferView, 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const payout = bank.payout(request.params.payoutId);
        if (payout === undefined) return reply.code(404).send(errorBody('PAYOUT_NOT_FOUND', 'no payout with this id'));
        return transferView(payout);
      },
    );
  };
}

/** Micro-deposits, debits and the transfers of an account. */
function transferRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  const bank = simulator.bank;
  return async (app) => {
    app.post(
      '/bank/micro-deposits',
      { schema: { body: MicroDepositBody, response: TransferResponses } },
      async (request, reply) => {
        const result = bank.microDeposit({ ...request.body });
        if (!result.ok) return reply.code(BANK_ERRORS[result.errorCode].status).send(bankError(result.errorCode));
        return reply.code(200).send(transferView(result.transfer));
      },
    );

    app.post('/bank/debits', { schema: { body: DebitBody, response: TransferResponses } }, async (request, reply) => {
      const body = request.body;
      const result = bank.debit({
        requestId: body.debitId,
        accountNumber: body.accountNumber,
        accountName: body.accountName,
        amountFen: fenFromJson(body.amountFen),
      });
      if (!result.ok) return reply.code(BANK_ERRORS[result.errorCode].status).send(bankError(result.errorCode));
      return reply.code(200).send(transferView(result.transfer));
    });

    app.get(
      '/bank/debits/:debitId',
      {
        schema: {
          params: Type.Object({ debitId: IdText }, { additionalProperties: false }),
          response: { 200: TransferView, 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const debit = bank.debitById(request.params.debitId);
        if (debit === undefined) return reply.code(404).send(errorBody('DEBIT_NOT_FOUND', 'no debit with this id'));
        return transferView(debit);
      },
    );

    app.get(
      '/bank/transfers',
      {
        schema: {
          querystring: Type.Object({ account: PanText }, { additionalProperties: false }),
          response: { 200: Type.Object({ transfers: Type.Array(TransferView) }, { additionalProperties: false }) },
        },
      },
      async (request) => ({ transfers: bank.transfersOf(request.query.account).map(transferView) }),
    );

    app.get(
      '/bank/faults',
      { schema: { response: { 200: Type.Required(BankFaultsSchema) } } },
      async () => bank.faults,
    );
  };
}

/** Fault knobs of the bank rails. */
function bankFaultRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox {
  const bank = simulator.bank;
  return async (app) => {
    app.put(
      '/bank/faults',
      { schema: { body: BankFaultsSchema, response: { 200: Type.Required(BankFaultsSchema) } } },
      async (request) => {
        const faults: BankFaults = { ...DEFAULT_BANK_FAULTS, ...request.body };
        bank.faults = faults;
        return faults;
      },
    );

    app.delete('/bank/faults', async (_request, reply) => {
      bank.faults = { ...DEFAULT_BANK_FAULTS };
      return reply.code(204).send();
    });
  };
}

/** Bank rails over HTTP, one plugin per area. */
export function bankRoutes(simulator: NetworkSimulator): FastifyPluginAsyncTypebox[] {
  return [payoutRoutes(simulator), transferRoutes(simulator), bankFaultRoutes(simulator)];
}
