/**
 * 跳码: the terminal's field 42 must be its bound merchant's number. A mismatch is declined 03 and,
 * because the intent is already recorded, stored with reason code_jump plus a CodeJumpAttempt event
 * that risk consumes. Upstream only ever sees the bound merchant's number and MCC either way.
 */
import { assert } from '@acq/assert';
import { isCodeJumpAttempt } from '../../../domain/code-jump.ts';
import { type Participant, Vote } from '../participant.ts';

export const detectCodeJump: Participant = {
  name: 'detect-code-jump',
  async prepare(ctx) {
    const terminal = ctx.terminal;
    assert(terminal !== undefined, 'the terminal context is loaded before 跳码 detection');
    if (isCodeJumpAttempt(ctx.request.merchantNumberFromTerminal, terminal.merchantNumber)) {
      ctx.decline('code_jump');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    return Vote.PREPARED | Vote.NO_JOIN | Vote.READONLY;
  },
};
