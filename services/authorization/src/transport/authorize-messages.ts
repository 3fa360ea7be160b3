/**
 * authorization.proto messages <-> the flow's TerminalRequest and AuthorizationAnswer. Parsing only:
 * a kind this build does not know becomes undefined and is answered 30 by the handler.
 */
import { fen } from '@acq/money';
import {
  type AuthorizeRequest,
  type AuthorizeResponse,
  HostDirective,
} from '@acq/proto/authorization/v1/authorization.ts';
import type { AuthorizationAnswer } from '../flows/authorize/authorize-transaction.ts';
import { kindOfProto } from '../flows/proto-kinds.ts';
import type { TerminalRequest } from '../flows/terminal-request.ts';

export function terminalRequestOf(message: AuthorizeRequest): TerminalRequest | undefined {
  const kind = kindOfProto(message.kind);
  if (kind === undefined) return undefined;
  const original = message.original;
  const totals = message.settlementTotals;
  return {
    correlationId: message.correlationId,
    kind,
    terminalId: message.terminalId,
    merchantNumberFromTerminal: message.merchantNumberFromTerminal,
    stan: message.stan,
    batchNumber: message.batchNumber,
    amountFen: fen(message.amountFen),
    posEntryMode: message.posEntryMode,
    posConditionCode: message.posConditionCode,
    pan: message.pan,
    track2: message.track2,
    expiryYymm: message.expiryYymm,
    cardSequence: message.cardSequence,
    pinBlock: message.pinBlock.length === 0 ? null : new Uint8Array(message.pinBlock),
    iccData: message.iccData.length === 0 ? null : new Uint8Array(message.iccData),
    scanCode: message.scanCode,
    original:
      original === undefined
        ? null
        : {
            batchNumber: original.batchNumber,
            stan: original.stan,
            dateMmdd: original.dateMmdd,
            rrn: original.rrn,
            authCode: original.authCode,
            kind: kindOfProto(original.kind) ?? null,
          },
    settlementTotals:
      totals === undefined
        ? null
        : {
            debitAmountFen: fen(totals.debitAmountFen),
            debitCount: totals.debitCount,
            creditAmountFen: fen(totals.creditAmountFen),
            creditCount: totals.creditCount,
          },
    location: message.location ?? null,
    reversalReasonCode: message.reversalReasonCode,
    uploadRecordCount: message.uploadRecordCount,
    receivedAtMs: Number(message.receivedAtMs),
    traceparent: message.traceparent,
  };
}

const HOST_DIRECTIVE_BY_NAME = {
  none: HostDirective.HOST_DIRECTIVE_UNSPECIFIED,
  resign_in: HostDirective.HOST_DIRECTIVE_RESIGN_IN,
  download_parameters: HostDirective.HOST_DIRECTIVE_DOWNLOAD_PARAMETERS,
} as const;

export function authorizeResponseOf(answer: AuthorizationAnswer): AuthorizeResponse {
  return {
    correlationId: answer.correlationId,
    responseCode: answer.responseCode,
    authCode: answer.authCode,
    rrn: answer.rrn,
    txnId: answer.txnId,
    balanceFen: answer.balanceFen ?? 0n,
    balancePresent: answer.balanceFen !== null,
    feeFen: answer.feeFen,
    settlementResult: answer.settlementResult,
    iccResponse: Buffer.from(answer.iccResponse ?? new Uint8Array()),
    merchantDisplayName: answer.merchantDisplayName,
    hostDirective: HOST_DIRECTIVE_BY_NAME[answer.hostDirective],
    merchantNumber: answer.merchantNumber,
    settlementDateMmdd: '',
    batchNumber: answer.batchNumber,
  };
}

/** An answer given without running the flow (unknown kind, overload, failure): no record exists. */
export function refusalOf(correlationId: string, responseCode: '30' | '96'): AuthorizeResponse {
  return {
    correlationId,
    responseCode,
    authCode: '',
    rrn: '',
    txnId: '',
    balanceFen: 0n,
    balancePresent: false,
    feeFen: 0n,
    settlementResult: 0,
    iccResponse: Buffer.alloc(0),
    merchantDisplayName: '',
    hostDirective: HostDirective.HOST_DIRECTIVE_UNSPECIFIED,
    merchantNumber: '',
    settlementDateMmdd: '',
    batchNumber: '',
  };
}
