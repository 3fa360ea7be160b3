/**
 * Manual repayment of a bill (还款): from the available balance ("settlement"), by debiting a bank
 * card, or by a wallet payment. Partial repayment is allowed. External debits are recorded as
 * pending before the bank is called, so a crash leaves a row to resolve (by query), never money
 * collected without its ledger postings. Insufficient funds on the card is a clear, typed failure.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { type Fen, fen, minFen } from '@acq/money';
import { merchantAccountId, systemAccountId, transferIdFor } from '../domain/accounts.ts';
import type { DebitChannel, DebitOutcome, DebitPayer } from '../domain/bank-rails.ts';
import { externalRepaymentPosting, settlementRepaymentPosting } from '../domain/posting-rules.ts';
import type { Transfer } from '../domain/transfers.ts';
import {
  insertRepayment,
  type Repayment,
  readBill,
  readRepaymentByKey,
  setRepaymentState,
} from '../store/bill-store.ts';
import { BANK_REQUEST_TIMEOUT_MS } from '../limits.ts';
import { applyTransfers, type Queryable } from '../store/ledger-store.ts';
import { applyBillRepayment, spendableMerchantBalances } from './charge-merchant.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from './settlement-context.ts';

export type RepaymentRequest = {
  readonly merchantId: string;
  readonly billId: string;
  readonly method: 'bank_card' | 'wallet' | 'settlement';
  readonly amountFen: Fen;
  readonly idempotencyKey: string;
  /** Who pays; null for `settlement`, and for `bank_card` it defaults to the active settlement card. */
  readonly payer: DebitPayer | null;
};

export async function repayBill(context: SettlementContext, request: RepaymentRequest): Promise<Repayment> {
  if (request.amountFen <= 0n)
    throw new SettlementError(SettlementErrorCode.invalidInput, 'amountFen must be positive');
  const payer = request.method === 'settlement' ? null : await resolvePayer(context, request);
  const walletProvider = payer?.method === 'wallet' ? payer.provider : null;
  const started = await withTransaction(context.pool, (client) =>
    startRepayment(client, request, walletProvider, context.clock.nowMs()),
  );
  if (started.state !== 'pending' || request.method === 'settlement') return started;
  assert(payer !== null, 'external repayments have a payer');
  const outcome = await context.bank.debit({ debitId: started.repaymentId, amountFen: started.amountFen, payer });
  return recordDebitOutcome(context, started, outcome);
}

async function resolvePayer(context: SettlementContext, request: RepaymentRequest): Promise<DebitPayer> {
  if (request.payer !== null) {
    if (request.payer.method !== request.method) {
      throw new SettlementError(SettlementErrorCode.invalidInput, 'the payer does not match the repayment method');
    }
    return request.payer;
  }
  if (request.method === 'bank_card') {
    const card = await context.cards.activeCard(request.merchantId);
    if (card !== undefined) {
      return { method: 'bank_card', accountNumberEncrypted: card.accountNumberEncrypted, holderName: card.holderName };
    }
  }
  throw new SettlementError(SettlementErrorCode.invalidInput, `${request.method} repayment needs a payer`);
}

async function startRepayment(
  client: Queryable,
  request: RepaymentRequest,
  walletProvider: string | null,
  nowMs: number,
): Promise<Repayment> {
  const previous = await readRepaymentByKey(client, request.merchantId, request.idempotencyKey);
  if (previous !== undefined) {
    const same =
      previous.billId === request.billId &&
      previous.amountFen === request.amountFen &&
      previous.method === request.method;
    if (!same)
      throw new SettlementError(
        SettlementErrorCode.idempotencyConflict,
        'idempotencyKey was used for another repayment',
      );
    return previous;
  }
  const bill = await readBill(client, request.billId, 'lock');
  if (bill === undefined || bill.merchantId !== request.merchantId) {
    throw new SettlementError(SettlementErrorCode.billNotFound, `bill ${request.billId} not found`);
  }
  if (bill.state === 'paid') throw new SettlementError(SettlementErrorCode.billAlreadyPaid, 'the bill is already paid');
  if (request.amountFen > bill.amountFen - bill.repaidFen) {
    throw new SettlementError(SettlementErrorCode.repaymentExceedsBill, 'the amount exceeds what the bill still owes');
  }
  const repaymentId = `rp_${transferIdFor(`repayment:${request.merchantId}:${request.idempotencyKey}`)}`;
  const base = {
    repaymentId,
    billId: bill.billId,
    merchantId: request.merchantId,
    method: request.method,
    walletProvider,
    amountFen: request.amountFen,
    failureCode: null,
    idempotencyKey: request.idempotencyKey,
  };
  if (request.method !== 'settlement') return insertRepayment(client, { ...base, state: 'pending' });
  const balances = await spendableMerchantBalances(client, request.merchantId);
  if (balances.availableFen < request.amountFen) {
    throw new SettlementError(SettlementErrorCode.insufficientFunds, 'the available balance is lower than the amount');
  }
  const stored = await insertRepayment(client, { ...base, state: 'succeeded' });
  await applyTransfers(client, [settlementRepaymentPosting(repaymentId, request.merchantId, request.amountFen)], nowMs);
  await applyBillRepayment(client, { billId: bill.billId, repaymentId, amountFen: request.amountFen }, nowMs);
  return stored;
}

/** Books a bank/wallet debit result. Also used to resolve `unknown` repayments after a query. */
export async function recordDebitOutcome(
  context: SettlementContext,
  repayment: Repayment,
  outcome: DebitOutcome,
): Promise<Repayment> {
  return withTransaction(context.pool, async (client) => {
    const current = await readRepaymentByKey(client, repayment.merchantId, repayment.idempotencyKey);
    assert(current !== undefined, 'the repayment exists');
    if (current.state === 'succeeded' || current.state === 'failed') return current;
    if (outcome.kind === 'unknown') {
      if (current.state === 'pending') await setRepaymentState(client, current.repaymentId, 'unknown', null);
      return { ...current, state: 'unknown' };
    }
    if (outcome.kind !== 'succeeded') {
      const code =
        outcome.kind === 'insufficient_funds'
          ? SettlementErrorCode.insufficientFunds
          : SettlementErrorCode.repaymentDeclined;
      await setRepaymentState(client, current.repaymentId, 'failed', code);
      return { ...current, state: 'failed', failureCode: code };
    }
    await applyCollectedRepayment(client, current, context.clock.nowMs());
    await setRepaymentState(client, current.repaymentId, 'succeeded', null);
    return { ...current, state: 'succeeded' };
  });
}

/**
 * The money was collected. If automatic repayment paid part of the bill meanwhile, only what is still
 * owed goes to the bill and the excess becomes available balance (paid out with the next settlement).
 */
async function applyCollectedRepayment(client: Queryable, repayment: Repayment, nowMs: number): Promise<void> {
  const bill = await readBill(client, repayment.billId, 'lock');
  assert(bill !== undefined, 'repayments belong to a bill');
  const owedFen = fen(bill.amountFen - bill.repaidFen);
  const appliedFen = minFen(owedFen, repayment.amountFen);
  const transfers: Transfer[] = [];
  if (appliedFen > 0n)
    transfers.push(externalRepaymentPosting(repayment.repaymentId, repayment.merchantId, appliedFen));
  const excessFen = fen(repayment.amountFen - appliedFen);
  if (excessFen > 0n) {
    transfers.push({
      id: transferIdFor(`repayment:${repayment.repaymentId}:excess`),
      debitAccountId: systemAccountId('bank_cash', repayment.merchantId),
      creditAccountId: merchantAccountId(repayment.merchantId, 'available'),
      amountFen: excessFen,
      flags: 'posted',
      pendingId: null,
      code: 'repayment_external',
      reference: repayment.repaymentId,
      merchantId: repayment.merchantId,
    });
  }
  await applyTransfers(client, transfers, nowMs);
  if (appliedFen > 0n) {
    await applyBillRepayment(
      client,
      { billId: bill.billId, repaymentId: repayment.repaymentId, amountFen: appliedFen },
      nowMs,
    );
  }
}

/** Asks the bank about repayments whose debit result was unknown and books the answers. */
export async function resolveUnknownRepayments(context: SettlementContext, limit: number): Promise<number> {
  // A `pending` row older than a bank call's timeout belongs to a process that died mid-call.
  const result = await context.pool.query<{ merchant_id: string; idempotency_key: string }>(
    `SELECT merchant_id, idempotency_key FROM repayments
     WHERE method <> 'settlement' AND (state = 'unknown'
       OR (state = 'pending' AND created_at < to_timestamp(($2::bigint - $3::bigint) / 1000.0)))
     ORDER BY created_at LIMIT $1`,
    [limit, context.clock.nowMs(), BANK_REQUEST_TIMEOUT_MS * 2],
  );
  let resolved = 0;
  for (const row of result.rows) {
    const repayment = await readRepaymentByKey(context.pool, row.merchant_id, row.idempotency_key);
    assert(repayment !== undefined, 'the listed repayment exists');
    const outcome = await context.bank.queryDebit(repayment.repaymentId, debitChannelOf(repayment));
    const after = await recordDebitOutcome(context, repayment, outcome);
    if (after.state !== 'unknown') resolved += 1;
  }
  return resolved;
}

function debitChannelOf(repayment: Repayment): DebitChannel {
  if (repayment.method === 'bank_card') return { method: 'bank_card' };
  assert(repayment.method === 'wallet' && repayment.walletProvider !== null, 'wallet repayments name their wallet');
  return { method: 'wallet', provider: repayment.walletProvider };
}
