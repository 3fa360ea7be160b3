/**
 * Finds the original a void, refund, completion or pre-auth void refers to (terminal + original
 * batch + original trace from field 61) and checks it is of a kind this request may refer to. A
 * refund may also come from another terminal of the same merchant: then the original's RRN (field
 * 37) finds it within the bound merchant.
 */
import { assert } from '@acq/assert';
import { ORIGINAL_KIND_BY_KIND } from '../../../domain/transaction-kind.ts';
import type { StoredTransaction } from '../../../store/transaction-row.ts';
import type { FlowDependencies } from '../../flow-dependencies.ts';
import type { OriginalReference } from '../../terminal-request.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

export const loadOriginal: Participant = {
  name: 'load-original',
  async prepare(ctx, deps) {
    const reference = ctx.request.original;
    const allowedKinds = ORIGINAL_KIND_BY_KIND[ctx.request.kind];
    if (reference === null || allowedKinds === undefined) {
      ctx.decline('format_error');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    const original = await findOriginal(ctx, deps, reference);
    if (original === undefined) {
      ctx.decline('original_not_found');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    if (!allowedKinds.includes(original.kind) || original.status !== 'approved' || original.reversed) {
      ctx.original = original;
      ctx.decline('original_not_eligible');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    // A card-present void or refund must be for the same card as its original.
    if (ctx.cardToken !== null && original.cardToken !== null && ctx.cardToken !== original.cardToken) {
      ctx.decline('original_not_eligible');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    ctx.original = original;
    return Vote.PREPARED | Vote.NO_JOIN;
  },
};

async function findOriginal(
  ctx: AuthorizationContext,
  deps: FlowDependencies,
  reference: OriginalReference,
): Promise<StoredTransaction | undefined> {
  const terminal = ctx.terminal;
  assert(terminal !== undefined, 'originals are looked up after the terminal context');
  const sameTerminal = await deps.store.findByKey(ctx.request.terminalId, reference.batchNumber, reference.stan);
  if (sameTerminal !== undefined) return sameTerminal;
  if (ctx.request.kind !== 'refund' || reference.rrn.trim() === '') return undefined;
  const byRrn = await deps.store.findApprovedByMerchantRrn(terminal.merchantId, reference.rrn.trim());
  assert(byRrn === undefined || byRrn.merchantId === terminal.merchantId, 'RRN lookups stay within the merchant');
  return byRrn;
}
