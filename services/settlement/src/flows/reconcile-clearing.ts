/**
 * Daily reconciliation with the network's clearing file: match, record the run, queue every
 * unmatched or mismatched item for operators (差错), and let operators resolve an item with an
 * adjustment that posts to the ledger. Also the dispute file: chargebacks are charged to the
 * merchant (arrears and a bill when the balance does not cover them).
 */
import { withTransaction } from '@acq/db';
import { type Fen, fen, sumFen } from '@acq/money';
import { parseClearingFile, parseDisputeFile } from '../domain/network-files.ts';
import { networkSettlementPostings, reconciliationAdjustmentPosting } from '../domain/posting-rules.ts';
import { systemShardOf } from '../domain/accounts.ts';
import { matchClearing, type ReconciliationResult } from '../domain/reconciliation.ts';
import { applyTransfers, type Queryable } from '../store/ledger-store.ts';
import {
  markResolved,
  type NewException,
  queueExceptions,
  type ReconciliationRun,
  readException,
  readPlatformItems,
  saveRun,
} from '../store/reconciliation-store.ts';
import { chargeMerchant } from './charge-merchant.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from './settlement-context.ts';

export async function reconcileClearingFile(context: SettlementContext, fileText: string): Promise<ReconciliationRun> {
  const file = parseClearingFile(fileText);
  return withTransaction(context.pool, async (client) => {
    const platform = await readPlatformItems(client, file.clearingDate);
    const result = matchClearing(platform, file.lines);
    const merchantByNumber = await merchantIdsByNumber(
      client,
      result.networkOnly.map((line) => line.merchantNumber),
    );
    const exceptions: NewException[] = [
      ...result.platformOnly.map((item) => ({
        clearingDate: file.clearingDate,
        category: 'platform_only' as const,
        rrn: item.rrn,
        txnId: item.txnId,
        merchantId: item.merchantId,
        platformAmountFen: item.amountFen,
        networkAmountFen: null,
      })),
      ...result.networkOnly.map((line) => ({
        clearingDate: file.clearingDate,
        category: 'network_only' as const,
        rrn: line.rrn,
        txnId: null,
        merchantId: merchantByNumber.get(line.merchantNumber) ?? null,
        platformAmountFen: null,
        networkAmountFen: line.amountFen,
      })),
      ...result.amountMismatch.map(({ platform: item, network }) => ({
        clearingDate: file.clearingDate,
        category: 'amount_mismatch' as const,
        rrn: item.rrn,
        txnId: item.txnId,
        merchantId: item.merchantId,
        platformAmountFen: item.amountFen,
        networkAmountFen: network.amountFen,
      })),
    ];
    await queueExceptions(client, exceptions);
    const run: ReconciliationRun = {
      clearingDate: file.clearingDate,
      matchedCount: result.matched.length,
      platformOnlyCount: result.platformOnly.length,
      networkOnlyCount: result.networkOnly.length,
      amountMismatchCount: result.amountMismatch.length,
      matchedAmountFen: sumFen(result.matched.map((item) => item.network.amountFen)),
    };
    await saveRun(client, run);
    await postNetworkSettlementOnce(client, context, file.clearingDate, result.matched);
    return run;
  });
}

/**
 * Books the network's payment for the matched items of a clearing date, once: a re-run of the date
 * (after operators fixed exceptions) does not move the money again; adjustments do that.
 */
async function postNetworkSettlementOnce(
  client: Queryable,
  context: SettlementContext,
  clearingDate: string,
  matched: ReconciliationResult['matched'],
): Promise<void> {
  const posted = await client.query('SELECT 1 FROM transfers WHERE reference = $1 LIMIT 1', [
    `network-settlement:${clearingDate}`,
  ]);
  if ((posted.rowCount ?? 0) > 0) return;
  const netFenByShard = new Map<number, bigint>();
  for (const { platform, network } of matched) {
    const shard = systemShardOf(platform.merchantId);
    const signed = network.direction === 'D' ? network.amountFen : -network.amountFen;
    netFenByShard.set(shard, (netFenByShard.get(shard) ?? 0n) + signed);
  }
  await applyTransfers(client, networkSettlementPostings(clearingDate, netFenByShard), context.clock.nowMs());
}

async function merchantIdsByNumber(
  client: Queryable,
  merchantNumbers: readonly string[],
): Promise<Map<string, string>> {
  if (merchantNumbers.length === 0) return new Map();
  const result = await client.query<{ merchant_id: string; merchant_number: string }>(
    'SELECT merchant_id, merchant_number FROM merchant_profiles WHERE merchant_number = ANY($1::text[])',
    [[...new Set(merchantNumbers)]],
  );
  return new Map(result.rows.map((row) => [row.merchant_number, row.merchant_id]));
}

export type ExceptionResolution = {
  readonly exceptionId: string;
  /** `adjust` posts `adjustmentFen` to the network receivable (+ raises, - writes down); `accept` closes without posting. */
  readonly action: 'adjust' | 'accept';
  readonly adjustmentFen: Fen | null;
  readonly operator: string;
  readonly note: string;
};

export async function resolveException(context: SettlementContext, resolution: ExceptionResolution): Promise<void> {
  await withTransaction(context.pool, async (client) => {
    const exception = await readException(client, resolution.exceptionId, 'lock');
    if (exception === undefined)
      throw new SettlementError(SettlementErrorCode.exceptionNotFound, 'exception not found');
    if (exception.state === 'resolved') return;
    let adjustmentFen: Fen | null = null;
    if (resolution.action === 'adjust') {
      if (resolution.adjustmentFen === null || resolution.adjustmentFen === 0n || exception.merchantId === null) {
        throw new SettlementError(
          SettlementErrorCode.invalidInput,
          'an adjustment needs a non-zero amount and a known merchant',
        );
      }
      adjustmentFen = resolution.adjustmentFen;
      await applyTransfers(
        client,
        [reconciliationAdjustmentPosting(exception.exceptionId, exception.merchantId, adjustmentFen)],
        context.clock.nowMs(),
      );
    }
    await markResolved(client, {
      exceptionId: exception.exceptionId,
      resolution: `${resolution.action}: ${resolution.note}`,
      adjustmentFen,
      resolvedBy: resolution.operator,
      nowMs: context.clock.nowMs(),
    });
  });
}

export type DisputeRunResult = { readonly chargedCount: number; readonly unmatchedRrns: readonly string[] };

/** Applies a dispute file: each chargeback (once, by dispute id) is charged to the transaction's merchant. */
export async function applyDisputeFile(context: SettlementContext, fileText: string): Promise<DisputeRunResult> {
  const file = parseDisputeFile(fileText);
  let chargedCount = 0;
  const unmatchedRrns: string[] = [];
  for (const line of file.lines) {
    if (line.kind !== 'CHARGEBACK') continue;
    const charged = await withTransaction(context.pool, async (client) => {
      const txn = await client.query<{ txn_id: string; merchant_id: string }>(
        `SELECT txn_id, merchant_id FROM transactions WHERE rrn = $1 AND kind IN ('PURCHASE', 'COMPLETION')
         ORDER BY occurred_at DESC LIMIT 1`,
        [line.rrn],
      );
      const row = txn.rows[0];
      // Unmatched chargebacks claim nothing, so the next run of the file tries them again.
      if (row === undefined) return 'unmatched';
      const claimed = await client.query('INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [
        `dispute:${line.disputeId}`,
      ]);
      if (claimed.rowCount === 0) return 'duplicate';
      await chargeMerchant(client, context, {
        key: `chargeback:${line.disputeId}`,
        merchantId: row.merchant_id,
        reference: line.disputeId,
        code: 'chargeback',
        amountFen: fen(line.amountFen),
        counterparty: 'network_receivable',
        billKind: 'chargeback',
        companionTransfers: [],
      });
      return 'charged';
    });
    if (charged === 'charged') chargedCount += 1;
    if (charged === 'unmatched') unmatchedRrns.push(line.rrn);
  }
  return { chargedCount, unmatchedRrns };
}
