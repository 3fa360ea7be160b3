/**
 * Takes the claim on the original in the database (see store/original-claims.ts) so that concurrent
 * voids, refunds or completions of the same original cannot both proceed. The claim is given back by
 * the declined outcome (record-intent's abort) or by a later reversal.
 */
import { assert } from '@acq/assert';
import { withTransaction } from '@acq/db';
import { claimKindOf, claimOriginal as claimInStore } from '../../../store/original-claims.ts';
import { type Participant, Vote } from '../participant.ts';

export const claimOriginal: Participant = {
  name: 'claim-original',
  uninterruptible: true,
  async prepare(ctx, deps) {
    const original = ctx.original;
    const claimKind = claimKindOf(ctx.request.kind);
    assert(original !== undefined, 'the original is loaded before it is claimed');
    assert(claimKind !== undefined, 'only voids, refunds and completions claim an original');
    assert(ctx.intentRecorded, 'the claimant row exists before it claims');
    const claimed = await withTransaction(deps.store.pool, (client) =>
      claimInStore(client, {
        claimKind,
        claimantTxnId: ctx.txnId,
        originalTxnId: original.txnId,
        amountFen: ctx.request.amountFen,
      }),
    );
    if (!claimed) {
      ctx.decline(ctx.request.kind === 'refund' ? 'refund_exceeds_original' : 'original_not_eligible');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    ctx.claimHeld = true;
    return Vote.PREPARED | Vote.NO_JOIN;
  },
};
