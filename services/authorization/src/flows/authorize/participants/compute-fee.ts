/**
 * The merchant fee of an approved purchase or completion, for the receipt data and the event
 * settlement books from (card kind from the network's answer, the bound merchant's fee plan, T0).
 */
import { assert } from '@acq/assert';
import { computeFeeFen } from '../../../domain/fee.ts';
import { batchTotalSide } from '../../../domain/transaction-kind.ts';
import { type Participant, Vote } from '../participant.ts';

export const computeFee: Participant = {
  name: 'compute-fee',
  async prepare(ctx) {
    assert(ctx.status === 'approved', 'fees are computed for approved transactions');
    const terminal = ctx.terminal;
    assert(terminal !== undefined, 'fees need the merchant fee plan');
    if (batchTotalSide(ctx.request.kind) !== 'debit') return Vote.PREPARED | Vote.NO_JOIN | Vote.READONLY;
    ctx.feeFen = computeFeeFen(ctx.request.amountFen, ctx.cardKind, terminal.feePlan, terminal.t0Enabled);
    return Vote.PREPARED | Vote.NO_JOIN;
  },
};
