/**
 * Loads the terminal and its bound merchant (cached; merchant.events invalidate) and refuses
 * terminals that may not transact: unknown or not activated (97), frozen or retired (58), merchant
 * not active (03), not signed in (97 + re-sign-in), batch differing from the signed-in batch (77).
 */
import type { TerminalContext } from '../../ports.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

export const loadTerminalContext: Participant = {
  name: 'load-terminal-context',
  stepTimeoutMs: (deps) => deps.settings.merchantCallTimeoutMs + 50,
  async prepare(ctx, deps) {
    const lookup = await deps.merchants.getTerminalContext(ctx.request.terminalId, {
      timeoutMs: deps.settings.merchantCallTimeoutMs,
    });
    if (lookup.kind === 'unavailable') {
      ctx.decline('internal_error');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    if (lookup.kind === 'not_found') {
      ctx.decline('terminal_not_registered');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    ctx.terminal = lookup.context;
    return refuseIneligible(ctx, lookup.context) ? Vote.ABORTED | Vote.NO_JOIN : Vote.PREPARED | Vote.NO_JOIN;
  },
};

/** True when the terminal may not transact; the reason is recorded on the context. */
function refuseIneligible(ctx: AuthorizationContext, terminal: TerminalContext): boolean {
  if (terminal.terminalStatus === 'registered') {
    ctx.decline('terminal_not_registered');
    return true;
  }
  if (terminal.terminalStatus === 'frozen' || terminal.terminalStatus === 'retired') {
    ctx.decline('terminal_not_permitted');
    return true;
  }
  if (terminal.merchantStatus !== 'active') {
    ctx.decline('merchant_not_active');
    return true;
  }
  if (!terminal.signedIn) {
    ctx.hostDirective = 'resign_in';
    ctx.decline('terminal_not_registered');
    return true;
  }
  // A 0400 carries the original's batch and a 0320 the batch just settled: both may be the previous one.
  if (
    ctx.request.kind !== 'reversal' &&
    ctx.request.kind !== 'batch_upload' &&
    ctx.request.batchNumber !== terminal.batchNumber
  ) {
    ctx.hostDirective = 'resign_in';
    ctx.decline('batch_number_mismatch');
    return true;
  }
  return false;
}
