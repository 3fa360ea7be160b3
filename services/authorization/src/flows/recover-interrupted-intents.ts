/**
 * Crash recovery, run at start-up and periodically by one replica (advisory lease): intents still
 * pending after the transaction budget belong to a process that stopped between "intent recorded"
 * and "outcome recorded". Each becomes timed_out (the terminal was never answered 00, it reverses or
 * retries) and gives back its claim on an original. A money-moving intent carries the network
 * identity reserved before it was written, so its reversal is queued in the store-and-forward table
 * (the network answers 00 whether it approved the message, or never saw it). Intents written before
 * identities were stored have none: they are logged for the clearing-file check instead.
 */
import { assert } from '@acq/assert';
import type pg from 'pg';
import { closeInterruptedIntent, findStalePendingIntents } from '../store/recovery-store.ts';
import type { FlowLogger } from './flow-dependencies.ts';
import type { UpstreamPort } from './ports.ts';
import { upstreamReversalOf } from './upstream-reversal.ts';

export interface RecoveryOptions {
  readonly pool: pg.Pool;
  readonly logger: FlowLogger;
  readonly upstream: Pick<UpstreamPort, 'enqueueReversal'>;
  readonly acquirerInstitutionId: string;
  readonly pendingAgeMsMin: number;
  readonly batchRowsMax: number;
}

const TIMED_OUT_RESPONSE_CODE = '98';

/** One pass; returns how many intents it closed. Bounded by batchRowsMax per pass. */
export async function recoverInterruptedIntents(options: RecoveryOptions): Promise<number> {
  assert(options.pendingAgeMsMin > 0, 'recovery only touches intents older than the budget');
  const stale = await findStalePendingIntents(options.pool, options.pendingAgeMsMin, options.batchRowsMax);
  let closed = 0;
  for (const candidate of stale) {
    const result = await closeInterruptedIntent(
      options.pool,
      candidate.txnId,
      TIMED_OUT_RESPONSE_CODE,
      (client, intent) =>
        // The answer never reached this service, so the network's RRN and auth code are unknown.
        options.upstream.enqueueReversal(
          upstreamReversalOf(intent, 'not_recorded', options.acquirerInstitutionId),
          client,
        ),
    );
    if (result.kind === 'not_pending') continue;
    closed += 1;
    const { intent, upstreamQueued } = result;
    const fields = {
      txnId: intent.txnId,
      kind: intent.kind,
      terminalId: intent.terminalId,
      amountFen: String(intent.amountFen),
      networkStan: intent.networkStan,
      upstreamReversalQueued: upstreamQueued,
    };
    if (upstreamQueued) options.logger.warn(fields, 'interrupted intent closed as timed out; network reversal queued');
    else if (intent.kind !== 'balance_inquiry')
      options.logger.warn(
        fields,
        'interrupted intent closed as timed out, no network identity: check it against the clearing file',
      );
    else options.logger.info(fields, 'interrupted balance inquiry closed as timed out');
  }
  assert(closed <= stale.length, 'recovery closes at most what it found');
  return closed;
}
