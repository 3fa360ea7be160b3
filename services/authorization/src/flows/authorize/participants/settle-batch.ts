/**
 * Batch settlement (0500): compares the terminal's totals with the host's, closes the batch (no
 * more voids), records the result with a BatchSettled event, and afterwards moves the terminal to
 * the next batch at the merchant service. Field 48 answers 1 (balanced) or 2 (not balanced).
 */
import { assert } from '@acq/assert';
import { AuthorizationEvent, TransactionEventType } from '@acq/proto/authorization/v1/events.ts';
import { settleBatch as settleInStore } from '../../../store/batch-store.ts';
import { toOutboxEvent } from '../../events.ts';
import { protoKindOf } from '../../proto-kinds.ts';
import { type Participant, Vote } from '../participant.ts';

const BATCH_NUMBER_MAX = 999_999;

export const settleBatch: Participant = {
  name: 'settle-batch',
  uninterruptible: true,
  async prepare(ctx, deps) {
    const terminal = ctx.terminal;
    const terminalTotals = ctx.request.settlementTotals;
    assert(terminal !== undefined, 'settlement needs the terminal context');
    assert(terminalTotals !== null, 'validation guarantees settlement totals');
    const nowMs = deps.nowMs();
    const record = await settleInStore(deps.store.pool, deps.store.writeOutbox, {
      terminalId: ctx.request.terminalId,
      batchNumber: ctx.request.batchNumber,
      merchantId: terminal.merchantId,
      terminalTotals,
      events: (hostTotals, result) => [
        toOutboxEvent(
          AuthorizationEvent.fromPartial({
            eventId: `${ctx.request.terminalId}:${ctx.request.batchNumber}:${ctx.txnId}:BatchSettled`,
            type: TransactionEventType.TRANSACTION_EVENT_TYPE_BATCH_SETTLED,
            txnId: ctx.txnId,
            merchantId: terminal.merchantId,
            merchantNumber: terminal.merchantNumber,
            terminalId: ctx.request.terminalId,
            kind: protoKindOf('batch_settlement'),
            amountFen: hostTotals.debitAmountFen - hostTotals.creditAmountFen,
            batchNumber: ctx.request.batchNumber,
            occurredAtMs: BigInt(nowMs),
            settlementResult: result,
          }),
        ),
      ],
    });
    ctx.settlementResult = record.result;
    ctx.approve();
    return Vote.PREPARED;
  },
  async commit(ctx, deps) {
    // The terminal starts the next batch after a 0500 whatever the result; if this call fails the
    // terminal is answered 77 on its next request and re-signs in, which fetches the batch again.
    const moved = await deps.merchants.setTerminalBatch(
      ctx.request.terminalId,
      nextBatchNumber(ctx.request.batchNumber),
      {
        timeoutMs: deps.settings.merchantCallTimeoutMs,
      },
    );
    if (!moved)
      deps.logger.warn({ txnId: ctx.txnId, terminalId: ctx.request.terminalId }, 'terminal batch not advanced');
  },
};

export function nextBatchNumber(batchNumber: string): string {
  assert(/^[0-9]{6}$/.test(batchNumber), 'batch numbers are n6');
  const next = Number(batchNumber) >= BATCH_NUMBER_MAX ? 1 : Number(batchNumber) + 1;
  return String(next).padStart(6, '0');
}
