/**
 * PIN block translation from the terminal's PIK to the network's zone key, inside the HSM. Requests
 * without a PIN block pass through; the clear PIN never exists outside the HSM.
 */
import { assert } from '@acq/assert';
import { type Participant, Vote } from '../participant.ts';

const PIN_BLOCK_BYTES = 8;

export const translatePin: Participant = {
  name: 'translate-pin',
  async prepare(ctx, deps) {
    if (ctx.pinBlock === null) return Vote.PREPARED | Vote.NO_JOIN | Vote.READONLY;
    const terminal = ctx.terminal;
    assert(terminal !== undefined, 'PIN translation needs the terminal keys');
    if (ctx.pinBlock.length !== PIN_BLOCK_BYTES || terminal.pikUnderMasterKey === '') {
      ctx.decline('pin_translation_failed');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    const translation = deps.pinTranslator.translatePinBlock(terminal.pikUnderMasterKey, ctx.pinBlock, ctx.pan);
    if (!translation.ok) {
      ctx.decline('pin_translation_failed');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    assert(translation.pinBlockUnderZpk.length === PIN_BLOCK_BYTES, 'a translated PIN block is 8 bytes');
    ctx.pinBlockUnderZpk = translation.pinBlockUnderZpk;
    return Vote.PREPARED | Vote.NO_JOIN;
  },
};
