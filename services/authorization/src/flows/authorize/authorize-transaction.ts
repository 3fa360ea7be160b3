/**
 * The authorization flow entry: gives the request its identities, runs the pipeline for its kind,
 * forgets the card data, writes the one summary log line and returns the answer for the terminal.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { SettlementResult } from '../../domain/batch-totals.ts';
import type { StoredTransaction } from '../../store/transaction-row.ts';
import type { FlowDependencies } from '../flow-dependencies.ts';
import type { TerminalRequest } from '../terminal-request.ts';
import { businessDateOf, type TransactionIdentities } from '../transaction-identity.ts';
import { AuthorizationContext, type HostDirective } from './authorization-context.ts';
import { pipelineFor } from './pipeline.ts';
import { runPipeline } from './run-pipeline.ts';

export interface AuthorizationAnswer {
  readonly correlationId: string;
  readonly responseCode: string;
  readonly authCode: string;
  readonly rrn: string;
  readonly txnId: string;
  readonly balanceFen: Fen | null;
  readonly feeFen: Fen;
  readonly settlementResult: SettlementResult | 0;
  readonly iccResponse: Uint8Array | null;
  readonly merchantDisplayName: string;
  readonly merchantNumber: string;
  readonly hostDirective: HostDirective;
  readonly batchNumber: string;
  readonly declineReason: string;
}

export async function authorizeTransaction(
  request: TerminalRequest,
  deadlineMs: number,
  deps: FlowDependencies,
  identities: TransactionIdentities,
): Promise<AuthorizationAnswer> {
  const nowMs = deps.nowMs();
  const budgetMs = Math.max(1, Math.min(deps.settings.transactionBudgetMs, deadlineMs));
  const ctx = new AuthorizationContext(request, {
    txnId: identities.nextTxnId(nowMs),
    rrn: identities.nextRrn(nowMs),
    nowMs,
    budgetMs,
    businessDate: businessDateOf(nowMs, deps.settings.businessDateOffsetMinutes),
  });
  try {
    await runPipeline(pipelineFor(request.kind), ctx, deps);
  } finally {
    ctx.forgetCardData();
  }
  const answer = ctx.replayedAnswer === undefined ? answerOf(ctx, deps) : replayedAnswerOf(ctx, ctx.replayedAnswer);
  logSummary(ctx, answer, deps);
  return answer;
}

function answerOf(ctx: AuthorizationContext, deps: FlowDependencies): AuthorizationAnswer {
  const responseCode = deps.responseCodeOf(ctx);
  assert((responseCode === '00') === (ctx.status === 'approved'), 'only approvals answer 00');
  // A reversal answers with its original's identity; other requests with their own.
  const isReversal = ctx.request.kind === 'reversal' && ctx.original !== undefined;
  return {
    correlationId: ctx.request.correlationId,
    responseCode,
    authCode: isReversal ? (ctx.original?.authCode ?? '') : ctx.authCode,
    rrn: isReversal ? (ctx.original?.rrn ?? ctx.rrn) : ctx.rrn,
    txnId: isReversal ? (ctx.original?.txnId ?? '') : ctx.intentRecorded ? ctx.txnId : '',
    balanceFen: ctx.status === 'approved' ? ctx.balanceFen : null,
    feeFen: ctx.feeFen,
    settlementResult: ctx.settlementResult,
    iccResponse: ctx.iccResponse,
    merchantDisplayName: ctx.terminal?.merchantName ?? '',
    merchantNumber: ctx.terminal?.merchantNumber ?? '',
    hostDirective: ctx.hostDirective,
    batchNumber: ctx.request.batchNumber,
    declineReason: ctx.declineReason ?? '',
  };
}

/** A retransmission gets the answer it got the first time, word for word. */
function replayedAnswerOf(ctx: AuthorizationContext, stored: StoredTransaction): AuthorizationAnswer {
  assert(stored.status !== 'pending', 'only completed transactions are replayed');
  return {
    correlationId: ctx.request.correlationId,
    responseCode: stored.responseCode,
    authCode: stored.authCode,
    rrn: stored.rrn,
    txnId: stored.txnId,
    balanceFen: stored.balanceFen,
    feeFen: stored.feeFen,
    settlementResult: 0,
    iccResponse: stored.iccResponse,
    merchantDisplayName: ctx.terminal?.merchantName ?? '',
    merchantNumber: stored.merchantNumber,
    hostDirective: 'none',
    batchNumber: stored.batchNumber,
    declineReason: stored.declineReason ?? '',
  };
}

function logSummary(ctx: AuthorizationContext, answer: AuthorizationAnswer, deps: FlowDependencies): void {
  const steps = ctx.timings.map((timing) => `${timing.step}=${timing.durationMs}ms/${timing.vote}`).join(' ');
  deps.logger.info(
    {
      txnId: ctx.txnId,
      correlationId: ctx.request.correlationId,
      traceparent: ctx.request.traceparent,
      kind: ctx.request.kind,
      terminalId: ctx.request.terminalId,
      responseCode: answer.responseCode,
      declineReason: ctx.declineReason,
      replayed: ctx.replayedAnswer !== undefined,
      totalMs: deps.nowMs() - ctx.startedAtMs,
      steps,
    },
    'authorization finished',
  );
}
