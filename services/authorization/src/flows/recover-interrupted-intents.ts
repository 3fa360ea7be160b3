/**
 * Crash recovery, run at start-up and periodically by one replica (advisory lease): intents still
 * pending after the transaction budget belong to a process that stopped between "intent recorded"
 * and "outcome recorded". Each becomes timed_out (the terminal was never answered 00, it reverses or
 * retries) and gives back its claim on an original. The network's identity of the message is not
 * known for such rows, so an approval the network may hold is left to the network's late-response
 * reversal and to reconciliation with the clearing file; each row is logged for that check.
 */
import { assert } from '@acq/assert';
import type pg from 'pg';
import { findStalePendingIntents, markIntentTimedOut } from '../store/recovery-store.ts';
import type { FlowLogger } from './flow-dependencies.ts';

export interface RecoveryOptions {
  readonly pool: pg.Pool;
  readonly logger: FlowLogger;
  readonly pendingAgeMsMin: number;
  readonly batchRowsMax: number;
}

const TIMED_OUT_RESPONSE_CODE = '98';

/** One pass; returns how many intents it closed. Bounded by batchRowsMax per pass. */
export async function recoverInterruptedIntents(options: RecoveryOptions): Promise<number> {
  assert(options.pendingAgeMsMin > 0, 'recovery only touches intents older than the budget');
  const stale = await findStalePendingIntents(options.pool, options.pendingAgeMsMin, options.batchRowsMax);
  let closed = 0;
  for (const intent of stale) {
    const changed = await markIntentTimedOut(options.pool, intent.txnId, TIMED_OUT_RESPONSE_CODE);
    if (!changed) continue;
    closed += 1;
    options.logger.warn(
      { txnId: intent.txnId, kind: intent.kind, terminalId: intent.terminalId, amountFen: String(intent.amountFen) },
      'interrupted intent closed as timed out; check it against the clearing file',
    );
  }
  assert(closed <= stale.length, 'recovery closes at most what it found');
  return closed;
}
