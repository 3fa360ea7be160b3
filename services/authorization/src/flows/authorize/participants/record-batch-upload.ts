/** Batch upload (0320) after an unbalanced settlement: counted against the settled batch, answered 00. */
import { recordBatchUpload as recordInStore } from '../../../store/batch-store.ts';
import { type Participant, Vote } from '../participant.ts';

export const recordBatchUpload: Participant = {
  name: 'record-batch-upload',
  uninterruptible: true,
  async prepare(ctx, deps) {
    const recordCount = Math.max(1, ctx.request.uploadRecordCount);
    const counted = await recordInStore(deps.store.pool, ctx.request.terminalId, ctx.request.batchNumber, recordCount);
    if (!counted) {
      ctx.decline('original_not_found');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    ctx.approve();
    return Vote.PREPARED | Vote.NO_JOIN;
  },
};
