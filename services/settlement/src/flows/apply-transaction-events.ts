/**
 * Applies a batch of authorization events in one SQL transaction: one multi-row insert of the
 * transactions (a transaction recorded before is a no-op), one ledger call for all captures,
 * then follow-ups (voids, refunds, reversals) one by one, then T0 payouts for the new captures.
 * Batching is what lets settlement keep up with authorization (README "Consuming authorization
 * events"). Captures are posted before the batch's follow-ups; a follow-up's original is always
 * earlier in the merchant's order, so it is posted by then.
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
import {
  applyTransfers,
  deferSystemAccountUpdates,
  type Queryable,
  readUnresolvedHolds,
} from '../store/ledger-store.ts';
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
  return withTransaction(context.pool, (client) => applyTransactionEventsWithin(client, context, events));
}

/**
 * The same inside a transaction the caller owns (the bus consumer's, whose inbox already skipped
 * event ids seen before). Applying is idempotent per transaction id: a transaction already recorded
 * (a redelivery, or a producer retry under a new event id) counts as a duplicate and moves nothing.
 */
export async function applyTransactionEventsWithin(
  client: Queryable,
  context: SettlementContext,
  events: readonly TransactionEvent[],
): Promise<ApplyEventsResult> {
  assert(events.length >= 1 && events.length <= EVENT_BATCH_SIZE_MAX, 'event batches are bounded');
  for (const event of events) assertTransactionEvent(event);
  // Concurrent batches meet on the system accounts: update those last, just before the commit.
  return deferSystemAccountUpdates(client, () => applyUniqueEvents(client, context, events));
}

async function applyUniqueEvents(
  client: Queryable,
  context: SettlementContext,
  events: readonly TransactionEvent[],
): Promise<ApplyEventsResult> {
  const unique = firstEventPerTransaction(events);
  const profiles = await merchantProfilesOf(client, context, [...new Set(unique.map((event) => event.merchantId))]);
  const credits = unique.filter((event) => CREDIT_KINDS.has(event.kind));
  const captured = await captureCredits(client, context, credits, profiles);
  let appliedCount = captured.recordedCount;
  const followUps = unique.filter((event) => !CREDIT_KINDS.has(event.kind));
  for (const event of followUps) if (await applyFollowUp(client, context, event)) appliedCount += 1;
  // A capture voided, refunded or reversed later in the same batch is not advanced T0: what is
  // left of it waits in the available balance for T1.
  const undone = new Set(followUps.map((event) => event.originalTxnId));
  const t0PayoutCount = await startT0Payouts(
    client,
    context,
    captured.t0Candidates.filter((credit) => !undone.has(credit.txnId)),
  );
  assert(appliedCount <= unique.length, 'each transaction is applied at most once');
  return { appliedCount, duplicateCount: events.length - appliedCount, t0PayoutCount };
}

/** A transaction named by two events of one batch (a producer retry) is applied for the first only. */
function firstEventPerTransaction(events: readonly TransactionEvent[]): TransactionEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    if (seen.has(event.txnId)) return false;
    seen.add(event.txnId);
    return true;
  });
}

/**
 * The stored profiles, plus those of merchants seen for the first time, asked from the merchant
 * service and stored. The remote call happens before any ledger or profile row is locked: the
 * transaction holds only the rows of its own events so far.
 */
async function merchantProfilesOf(
  client: Queryable,
  context: SettlementContext,
  merchantIds: readonly string[],
): Promise<Map<string, MerchantProfile>> {
  const profiles = await readMerchantProfiles(client, merchantIds, 'no_lock');
  for (const merchantId of merchantIds) {
    if (profiles.has(merchantId)) continue;
    const profile = await context.merchants.merchantProfile(merchantId);
    if (profile === undefined) {
      throw new SettlementError(SettlementErrorCode.merchantUnknown, `merchant ${merchantId} unknown`);
    }
    await upsertMerchantProfile(client, profile);
    profiles.set(merchantId, profile);
  }
  assert(profiles.size === merchantIds.length, 'every merchant of the batch has a profile');
  return profiles;
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

/** Records and posts the credits not recorded before; returns how many, and which may be paid T0. */
async function captureCredits(
  client: Queryable,
  context: SettlementContext,
  credits: readonly TransactionEvent[],
  profiles: Map<string, MerchantProfile>,
): Promise<{ recordedCount: number; t0Candidates: CapturedCredit[] }> {
  if (credits.length === 0) return { recordedCount: 0, t0Candidates: [] };
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
  const t0Candidates = fresh
    .filter((record) => record.kind !== 'PREAUTH' && record.creditedTo === 'available' && record.netFen > 0n)
    .map((record) => ({ txnId: record.txnId, merchantId: record.merchantId, netFen: record.netFen as Fen }));
  return { recordedCount: fresh.length, t0Candidates };
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
