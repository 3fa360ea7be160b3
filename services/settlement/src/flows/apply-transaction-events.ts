/**
 * Applies a batch of authorization events in one SQL transaction: inbox by event id (a redelivered
 * event is a no-op), one multi-row insert of the transactions, one ledger call for all captures,
 * then follow-ups (voids, refunds, reversals) one by one, then T0 payouts for the new captures.
 * Batching is what lets settlement keep up with authorization (README "Throughput").
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { type Fen, fen } from '@acq/money';
import { transferIdFor } from '../domain/accounts.ts';
import { bookingDateOf } from '../domain/calendar.ts';
import { transactionFeeFen } from '../domain/fees.ts';
import { capturePostings, preauthCompletionPostings, preauthHoldPosting } from '../domain/posting-rules.ts';
import {
  assertTransactionEvent,
  CREDIT_KINDS,
  type MerchantProfile,
  type TransactionEvent,
} from '../domain/settlement-events.ts';
import type { Transfer } from '../domain/transfers.ts';
import { EVENT_BATCH_SIZE_MAX } from '../limits.ts';
import { applyTransfers, type Queryable, readUnresolvedHolds } from '../store/ledger-store.ts';
import { readMerchantProfiles, upsertMerchantProfile } from '../store/merchant-profile-store.ts';
import { insertTransactions, type TransactionRecord } from '../store/transaction-store.ts';
import { applyFollowUp } from './apply-follow-up.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from './settlement-context.ts';
import { type CapturedCredit, startT0Payouts } from './start-t0-payouts.ts';

export type ApplyEventsResult = {
  readonly appliedCount: number;
  readonly duplicateCount: number;
  readonly t0PayoutCount: number;
};

export async function applyTransactionEvents(
  context: SettlementContext,
  events: readonly TransactionEvent[],
): Promise<ApplyEventsResult> {
  assert(events.length >= 1 && events.length <= EVENT_BATCH_SIZE_MAX, 'event batches are bounded');
  await ensureMerchantProfiles(context, [...new Set(events.map((event) => event.merchantId))]);
  return withTransaction(context.pool, (client) => applyTransactionEventsWithin(client, context, events));
}

/**
 * The same inside a transaction the caller owns (the bus consumer's). Profiles must have been
 * ensured before (`ensureMerchantProfiles`), so no remote call happens while rows are locked.
 */
export async function applyTransactionEventsWithin(
  client: Queryable,
  context: SettlementContext,
  events: readonly TransactionEvent[],
): Promise<ApplyEventsResult> {
  assert(events.length >= 1 && events.length <= EVENT_BATCH_SIZE_MAX, 'event batches are bounded');
  for (const event of events) assertTransactionEvent(event);
  const fresh = await claimFreshEvents(client, events);
  if (fresh.length === 0) return { appliedCount: 0, duplicateCount: events.length, t0PayoutCount: 0 };
  const profiles = await readMerchantProfiles(client, [...new Set(fresh.map((event) => event.merchantId))], 'no_lock');
  const credits = fresh.filter((event) => CREDIT_KINDS.has(event.kind));
  const captured = await captureCredits(client, context, credits, profiles);
  for (const event of fresh) {
    if (!CREDIT_KINDS.has(event.kind)) await applyFollowUp(client, context, event);
  }
  const t0PayoutCount = await startT0Payouts(client, context, captured);
  return { appliedCount: fresh.length, duplicateCount: events.length - fresh.length, t0PayoutCount };
}

/** Fetches profiles the local table lacks from the merchant service before the SQL transaction opens. */
export async function ensureMerchantProfiles(
  context: SettlementContext,
  merchantIds: readonly string[],
): Promise<void> {
  const known = await readMerchantProfiles(context.pool, merchantIds, 'no_lock');
  for (const merchantId of merchantIds) {
    if (known.has(merchantId)) continue;
    const profile = await context.merchants.merchantProfile(merchantId);
    if (profile === undefined) {
      throw new SettlementError(SettlementErrorCode.merchantUnknown, `merchant ${merchantId} unknown`);
    }
    await upsertMerchantProfile(context.pool, profile);
  }
}

async function claimFreshEvents(client: Queryable, events: readonly TransactionEvent[]): Promise<TransactionEvent[]> {
  const result = await client.query<{ event_id: string }>(
    `INSERT INTO processed_events (event_id) SELECT DISTINCT unnest($1::text[]) ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    [events.map((event) => event.eventId)],
  );
  const fresh = new Set(result.rows.map((row) => row.event_id));
  const seen = new Set<string>();
  return events.filter((event) => {
    if (!fresh.has(event.eventId) || seen.has(event.eventId)) return false;
    seen.add(event.eventId);
    return true;
  });
}

function creditRecord(
  context: SettlementContext,
  event: TransactionEvent,
  profile: MerchantProfile,
): TransactionRecord {
  const isHold = event.kind === 'PREAUTH';
  // The pre-authorization itself carries no fee: the fee is charged on the completed amount.
  const feeFen = isHold ? fen(0) : transactionFeeFen(profile.feePlan, event.cardKind, event.amountFen);
  const bookingDate = bookingDateOf(event.occurredAtMs, context.cutoffMinuteOfDay);
  return {
    txnId: event.txnId,
    merchantId: event.merchantId,
    merchantNumber: event.merchantNumber,
    terminalId: event.terminalId,
    kind: event.kind,
    amountFen: event.amountFen,
    feeFen,
    netFen: fen(event.amountFen - feeFen),
    cardKind: event.cardKind,
    rrn: event.rrn,
    authCode: event.authCode,
    stan: event.stan,
    batchNumber: event.batchNumber,
    originalTxnId: event.originalTxnId,
    occurredAtMs: event.occurredAtMs,
    bookingDate,
    settlementDate: context.calendar().nextBusinessDay(bookingDate),
    settlementMode: 't1',
    creditedTo: profile.t0Enabled && !isHold ? 'available' : 'pending',
    refundedFen: fen(0),
    cancelledBy: null,
  };
}

async function captureCredits(
  client: Queryable,
  context: SettlementContext,
  credits: readonly TransactionEvent[],
  profiles: Map<string, MerchantProfile>,
): Promise<CapturedCredit[]> {
  if (credits.length === 0) return [];
  const records = credits.map((event) => {
    const profile = profiles.get(event.merchantId);
    assert(profile !== undefined, 'profiles were ensured before the transaction');
    return creditRecord(context, event, profile);
  });
  const inserted = await insertTransactions(client, records);
  const fresh = records.filter((record) => inserted.has(record.txnId));
  const holdIds = fresh.flatMap((record) =>
    record.kind === 'COMPLETION' && record.originalTxnId !== null
      ? [transferIdFor(`preauth:${record.originalTxnId}:hold`)]
      : [],
  );
  const holds = await readUnresolvedHolds(client, holdIds);
  const transfers: Transfer[] = [];
  for (const record of fresh) transfers.push(...creditTransfers(record, holds));
  await applyTransfers(client, transfers, context.clock.nowMs());
  return fresh
    .filter((record) => record.kind !== 'PREAUTH' && record.creditedTo === 'available' && record.netFen > 0n)
    .map((record) => ({ txnId: record.txnId, merchantId: record.merchantId, netFen: record.netFen as Fen }));
}

function creditTransfers(record: TransactionRecord, holds: Map<string, Transfer>): Transfer[] {
  if (record.kind === 'PREAUTH') return [preauthHoldPosting(record.txnId, record.merchantId, record.amountFen)];
  const capture = {
    txnId: record.txnId,
    merchantId: record.merchantId,
    amountFen: record.amountFen,
    feeFen: record.feeFen,
    destination: record.creditedTo,
  };
  const hold =
    record.kind === 'COMPLETION' && record.originalTxnId !== null
      ? holds.get(transferIdFor(`preauth:${record.originalTxnId}:hold`))
      : undefined;
  // A completion whose pre-authorization we never saw (or that exceeds it) settles as a plain capture.
  if (hold !== undefined && record.amountFen <= hold.amountFen) return preauthCompletionPostings(hold, capture);
  return capturePostings(capture);
}
