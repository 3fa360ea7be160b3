/**
 * The service's periodic work: the payout worker (every replica; SKIP LOCKED shares the queue), the
 * daily T1 run and reconciliation (one replica at a time, under advisory leases),
 * the repayment resolver and the calendar reload. Each loop sleeps between passes, logs and survives a failed pass, and stops on `signal`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AdvisoryLease } from '@acq/db';
import type { NetworkFilesPort } from '../clients/network-files-client.ts';
import { addDays, localDateOf, SHANGHAI_OFFSET_MS } from '../domain/calendar.ts';
import { advanceDuePayouts, type PayoutWorkerOptions } from '../flows/advance-payouts.ts';
import { applyDisputeFile, reconcileClearingFile } from '../flows/reconcile-clearing.ts';
import { resolveUnknownRepayments } from '../flows/repay-bill.ts';
import { purgeProcessedEvents } from '../flows/retention.ts';
import { runT1Settlement } from '../flows/run-t1-settlement.ts';
import { type SettlementContext, SettlementError, SettlementErrorCode } from '../flows/settlement-context.ts';
import {
  CALENDAR_RELOAD_INTERVAL_MS,
  PAYOUT_WORKER_POLL_INTERVAL_MS,
  REPAYMENT_RESOLVER_BATCH_SIZE_MAX,
  REPAYMENT_RESOLVER_INTERVAL_MS,
  RETENTION_INTERVAL_MS,
  T1_SCHEDULER_INTERVAL_MS,
} from '../limits.ts';

export type JobLogger = { error(fields: object, message: string): void; info(fields: object, message: string): void };

async function loop(
  name: string,
  signal: AbortSignal,
  logger: JobLogger,
  pass: () => Promise<number>,
  idleMs: number,
): Promise<void> {
  while (!signal.aborted) {
    let progressed = 0;
    try {
      progressed = await pass();
    } catch (error) {
      logger.error({ err: error, job: name }, 'settlement job pass failed');
    }
    if (progressed === 0) await sleep(idleMs, undefined, { signal }).catch(() => undefined);
  }
}

export type BackgroundJobOptions = {
  readonly context: SettlementContext;
  readonly logger: JobLogger;
  readonly payoutWorker: PayoutWorkerOptions;
  /** Minutes after local midnight when a business day's T1 run may start. */
  readonly t1RunMinuteOfDay: number;
  readonly reconciliationRunMinuteOfDay: number;
  readonly networkFiles: NetworkFilesPort;
  reloadCalendar(): Promise<void>;
};

export function startBackgroundJobs(options: BackgroundJobOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  const { context, logger } = options;
  const signal = controller.signal;
  const t1Pass = dailyJobPass(context, {
    name: 't1-run',
    minuteOfDay: options.t1RunMinuteOfDay,
    businessDaysOnly: true,
    run: async (today) => {
      const result = await runT1Settlement(context, today);
      logger.info({ settlementDate: today, ...result }, 'T1 run finished');
      // Not marking the day done makes the next pass retry the failed merchants (the others are skipped).
      if (result.failedMerchantIds.length > 0) {
        throw new SettlementError(
          SettlementErrorCode.t1RunIncomplete,
          `${result.failedMerchantIds.length} merchants not settled`,
        );
      }
    },
  });
  // The network publishes a day's clearing file after its cutoff; reconcile yesterday each morning.
  const reconciliationPass = dailyJobPass(context, {
    name: 'reconciliation',
    minuteOfDay: options.reconciliationRunMinuteOfDay,
    businessDaysOnly: false,
    run: async (today) => {
      const yesterday = addDays(today, -1);
      const run = await reconcileClearingFile(context, await options.networkFiles.clearingFile(yesterday));
      const disputes = await applyDisputeFile(context, await options.networkFiles.disputeFile(yesterday));
      logger.info({ ...run, chargebacks: disputes.chargedCount }, 'reconciliation finished');
    },
  });
  const loops = [
    loop(
      'payout-worker',
      signal,
      logger,
      () => advanceDuePayouts(context, options.payoutWorker),
      PAYOUT_WORKER_POLL_INTERVAL_MS,
    ),
    loop('t1-run', signal, logger, t1Pass, T1_SCHEDULER_INTERVAL_MS),
    loop('reconciliation', signal, logger, reconciliationPass, T1_SCHEDULER_INTERVAL_MS),
    loop(
      'retention',
      signal,
      logger,
      () => purgeProcessedEvents(context.pool, context.clock.nowMs()),
      RETENTION_INTERVAL_MS,
    ),
    loop(
      'repayment-resolver',
      signal,
      logger,
      async () => {
        await resolveUnknownRepayments(context, REPAYMENT_RESOLVER_BATCH_SIZE_MAX);
        return 0;
      },
      REPAYMENT_RESOLVER_INTERVAL_MS,
    ),
    loop(
      'calendar-reload',
      signal,
      logger,
      async () => {
        await options.reloadCalendar();
        return 0;
      },
      CALENDAR_RELOAD_INTERVAL_MS,
    ),
  ];
  return {
    async stop() {
      controller.abort();
      await Promise.allSettled(loops);
    },
  };
}

type DailyJob = {
  readonly name: string;
  /** Minutes after local midnight from which the job may run. */
  readonly minuteOfDay: number;
  readonly businessDaysOnly: boolean;
  run(today: string): Promise<void>;
};

/** One look at the clock: once a day after the job's time (on business days if asked), on one replica under a lease. */
function dailyJobPass(context: SettlementContext, job: DailyJob): () => Promise<number> {
  let lastRunDate = '';
  const lease = new AdvisoryLease({ pool: context.pool, name: `settlement:${job.name}` });
  return async () => {
    const nowMs = context.clock.nowMs();
    const today = localDateOf(nowMs);
    const minute = Math.floor(((nowMs + SHANGHAI_OFFSET_MS) % 86_400_000) / 60_000);
    if (today === lastRunDate || minute < job.minuteOfDay) return 0;
    if (job.businessDaysOnly && !context.calendar().isBusinessDay(today)) return 0;
    if (!(await lease.tryAcquire())) return 0;
    try {
      await job.run(today);
      lastRunDate = today;
    } finally {
      await lease.release();
    }
    return 0;
  };
}
