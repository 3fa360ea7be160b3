/**
 * The payout worker: claims due payouts (SKIP LOCKED + lease, so replicas share the queue and a dead
 * worker's payouts are picked up again), moves each one step along the state machine and records
 * the step before the next bank call. Every bank call goes out only after the attempt it belongs to
 * is committed, so after a crash the worker knows which instruction to ask the bank about.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import type { PayoutInstruction } from '../domain/bank-rails.ts';
import { decideAfterQuery, decideAfterSubmit, type PayoutDecision } from '../domain/payout-state.ts';
import { payoutReleasePosting, payoutSuccessPostings } from '../domain/posting-rules.ts';
import type { SettlementCard } from '../domain/settlement-events.ts';
import { PAYOUT_CLAIM_LEASE_MS, PAYOUT_WORKER_BATCH_SIZE_MAX, PAYOUT_WORKER_CONCURRENCY_MAX } from '../limits.ts';
import { applyTransfers, readTransfers } from '../store/ledger-store.ts';
import {
  claimDuePayouts,
  markFinished,
  markSubmitting,
  markWaiting,
  type Payout,
  readPayout,
} from '../store/payout-store.ts';
import type { SettlementContext } from './settlement-context.ts';
import { payoutFinishedEvents, writeSettlementEvents } from './settlement-outbox.ts';

export function instructionIdOf(payoutId: string, attempt: number): string {
  assert(attempt >= 1, 'instructions belong to an attempt');
  return `${payoutId}.${attempt}`;
}

export type PayoutWorkerOptions = {
  /** How long a claim protects a payout from other workers; longer than one bank call. */
  readonly claimLeaseMs: number;
  readonly batchSizeMax: number;
};

export const DEFAULT_PAYOUT_WORKER_OPTIONS: PayoutWorkerOptions = {
  claimLeaseMs: PAYOUT_CLAIM_LEASE_MS,
  batchSizeMax: PAYOUT_WORKER_BATCH_SIZE_MAX,
};

/** One pass over due payouts; returns how many were advanced. Errors of single payouts are collected. */
export async function advanceDuePayouts(
  context: SettlementContext,
  options: PayoutWorkerOptions = DEFAULT_PAYOUT_WORKER_OPTIONS,
): Promise<number> {
  assert(options.claimLeaseMs > 0 && options.claimLeaseMs <= PAYOUT_CLAIM_LEASE_MS, 'leases may only be shortened');
  assert(options.batchSizeMax >= 1 && options.batchSizeMax <= PAYOUT_WORKER_BATCH_SIZE_MAX, 'batches are bounded');
  const claimed = await claimDuePayouts(
    context.pool,
    options.batchSizeMax,
    context.clock.nowMs(),
    options.claimLeaseMs,
  );
  const errors: unknown[] = [];
  for (let start = 0; start < claimed.length; start += PAYOUT_WORKER_CONCURRENCY_MAX) {
    const chunk = claimed.slice(start, start + PAYOUT_WORKER_CONCURRENCY_MAX);
    const results = await Promise.allSettled(
      chunk.map((payout) => advancePayout(context, payout, options.claimLeaseMs)),
    );
    for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
  }
  // A failed step leaves its lease to expire, so the payout is retried by a later pass.
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} payouts failed to advance`);
  return claimed.length;
}

async function advancePayout(context: SettlementContext, payout: Payout, claimLeaseMs: number): Promise<void> {
  switch (payout.state) {
    case 'created':
    case 'retry_wait':
      return submitNextAttempt(context, payout, claimLeaseMs);
    case 'submitting':
    case 'submitted': {
      // `submitting` here means the worker that sent it died (its lease expired): ask the bank.
      const outcome = await context.bank.queryPayout(instructionIdOf(payout.payoutId, payout.attempt));
      const decision = decideAfterQuery(payout, outcome);
      return applyDecision(context, payout, decision);
    }
    case 'succeeded':
    case 'failed':
    case 'stuck':
      assert(false, 'finished or parked payouts are never claimed');
  }
}

async function submitNextAttempt(context: SettlementContext, payout: Payout, claimLeaseMs: number): Promise<void> {
  const card = payout.card ?? (await context.cards.activeCard(payout.merchantId));
  if (card === undefined) return finishFailed(context, payout, 'NO_SETTLEMENT_CARD');
  const attempt = payout.attempt + 1;
  const started = await markSubmitting(
    context.pool,
    payout.payoutId,
    attempt,
    card,
    context.clock.nowMs() + claimLeaseMs,
  );
  if (!started) return;
  const submitted: Payout = { ...payout, state: 'submitting', attempt, queryCount: 0, card };
  await submitAndRecord(context, submitted, card);
}

async function submitAndRecord(context: SettlementContext, payout: Payout, card: SettlementCard): Promise<void> {
  const instruction: PayoutInstruction = {
    instructionId: instructionIdOf(payout.payoutId, payout.attempt),
    amountFen: payout.amountFen,
    accountNumberEncrypted: card.accountNumberEncrypted,
    holderName: card.holderName,
    bankCode: card.bankCode,
  };
  const outcome = await context.bank.submitPayout(instruction);
  const decision = decideAfterSubmit(payout, outcome);
  assert(decision.next !== 'resubmit', 'a submit never asks to resubmit');
  await applyDecision(context, payout, decision);
}

async function applyDecision(context: SettlementContext, payout: Payout, decision: PayoutDecision): Promise<void> {
  const nowMs = context.clock.nowMs();
  switch (decision.next) {
    case 'succeeded':
      return finishSucceeded(context, payout);
    case 'failed':
      return finishFailed(context, payout, decision.reason);
    case 'resubmit': {
      assert(payout.card !== null, 'a submitted payout has its card bound');
      const resubmitted = { ...payout, queryCount: decision.queryCount };
      await markWaiting(context.pool, {
        payoutId: payout.payoutId,
        state: 'submitted',
        queryCount: resubmitted.queryCount,
        nextActionAtMs: nowMs,
        reason: null,
      });
      return submitAndRecord(context, resubmitted, payout.card);
    }
    case 'submitted':
      return markWaiting(context.pool, {
        payoutId: payout.payoutId,
        state: 'submitted',
        queryCount: decision.queryCount,
        nextActionAtMs: nowMs + decision.afterMs,
        reason: null,
      });
    case 'retry_wait':
    case 'stuck':
      return markWaiting(context.pool, {
        payoutId: payout.payoutId,
        state: decision.next,
        queryCount: payout.queryCount,
        nextActionAtMs: decision.next === 'retry_wait' ? nowMs + decision.afterMs : nowMs,
        reason: decision.reason,
      });
  }
}

/**
 * Bank confirmed: complete the hold and book the money out, once (the row lock and state make it
 * idempotent), and report payout.succeeded in the same transaction.
 */
export async function finishSucceeded(context: SettlementContext, payout: Payout): Promise<void> {
  await withTransaction(context.pool, async (client) => {
    const current = await readPayout(client, payout.payoutId, 'lock');
    assert(current !== undefined, 'the payout exists');
    if (current.state === 'succeeded') return;
    assert(current.state !== 'failed', 'a released payout is never confirmed: that would pay twice');
    const hold = (await readTransfers(client, [current.holdTransferId])).get(current.holdTransferId);
    assert(hold !== undefined, 'every payout has its hold');
    await applyTransfers(
      client,
      payoutSuccessPostings(hold, current.amountFen, current.surchargeFen),
      context.clock.nowMs(),
    );
    const finished = await markFinished(client, {
      payoutId: current.payoutId,
      state: 'succeeded',
      reason: null,
      fellBackToT1: false,
      nowMs: context.clock.nowMs(),
    });
    await writeSettlementEvents(client, payoutFinishedEvents(finished, context.clock.nowMs()));
  });
}

/** Bank said no for good (or there is no card): release the hold; T0 money falls back to T1 (both reported). */
export async function finishFailed(context: SettlementContext, payout: Payout, reason: string): Promise<void> {
  await withTransaction(context.pool, async (client) => {
    const current = await readPayout(client, payout.payoutId, 'lock');
    assert(current !== undefined, 'the payout exists');
    if (current.state === 'failed') return;
    assert(current.state !== 'succeeded', 'a paid payout is never released');
    const hold = (await readTransfers(client, [current.holdTransferId])).get(current.holdTransferId);
    assert(hold !== undefined, 'every payout has its hold');
    await applyTransfers(client, [payoutReleasePosting(hold)], context.clock.nowMs());
    const finished = await markFinished(client, {
      payoutId: current.payoutId,
      state: 'failed',
      reason,
      fellBackToT1: current.kind === 't0',
      nowMs: context.clock.nowMs(),
    });
    await writeSettlementEvents(client, payoutFinishedEvents(finished, context.clock.nowMs()));
  });
}
