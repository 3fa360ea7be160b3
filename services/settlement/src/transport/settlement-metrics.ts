/**
 * Settlement's operator gauges, read from its own tables at scrape time: the tables are the truth
 * every replica shares, so each replica reports the same values and dashboards take max(). One
 * scrape costs one round trip of three small aggregates (the open-payout and open-bill indexes
 * keep them cheap).
 */
import { assert } from '@acq/assert';
import { outboxBacklog, type Subscription } from '@acq/bus';
import type { Logger } from '@acq/telemetry';
import type { Meter } from '@opentelemetry/api';
import type pg from 'pg';

const PAYOUT_KINDS = ['t0', 't1', 'd0'] as const;
const PAYOUT_OPEN_STATES = ['created', 'submitting', 'submitted', 'retry_wait'] as const;
const PAYOUT_STATES = [...PAYOUT_OPEN_STATES, 'succeeded', 'failed', 'stuck'] as const;
const EXCEPTION_CATEGORIES = ['platform_only', 'network_only', 'amount_mismatch'] as const;
/** Payout outcomes count over this window, so the gauge tells today's story rather than all history. */
const PAYOUT_OUTCOME_WINDOW_HOURS = 24;

interface SettlementGaugeRows {
  payouts: { kind: string; state: string; payout_count: number; oldest_open_age_seconds: number }[];
  bills: { overdue_count: number; overdue_fen: string };
  exceptions: { category: string; open_count: number }[];
}

export interface SettlementMetricsSources {
  pool: pg.Pool;
  schema: string;
  subscriptions: readonly Subscription[];
  logger: Logger;
}

export function registerSettlementMetrics(meter: Meter, sources: SettlementMetricsSources): void {
  const payouts = meter.createObservableGauge('acquirer.settlement.payouts', {
    description: `Payouts created in the last ${PAYOUT_OUTCOME_WINDOW_HOURS} h, by kind (t0/t1/d0) and state`,
  });
  const payoutOpenAge = meter.createObservableGauge('acquirer.settlement.payout.open_age_seconds', {
    unit: 's',
    description: 'Age of the oldest payout not yet final (T0 lag for kind t0), 0 when none is open',
  });
  const billsOverdue = meter.createObservableGauge('acquirer.settlement.bills.overdue', {
    description: 'Open bills past their due date',
  });
  const billsOverdueFen = meter.createObservableGauge('acquirer.settlement.bills.overdue_amount_fen', {
    unit: 'fen',
    description: 'Unpaid fen of the open bills past their due date',
  });
  const exceptions = meter.createObservableGauge('acquirer.settlement.reconciliation.exceptions_open', {
    description: 'Reconciliation exceptions (差错) waiting for an operator, by category',
  });
  const outboxAge = meter.createObservableGauge('acquirer.bus.outbox.oldest_pending_age_seconds', {
    unit: 's',
    description: 'Age of the oldest outbox event the relay has not yet published',
  });
  const consumerLag = meter.createObservableGauge('acquirer.bus.consumer.lag', {
    description: 'Events published but not yet processed by this service, over its consumer groups',
  });
  registerPoolMetrics(meter, sources.pool);
  meter.addBatchObservableCallback(
    async (observer) => {
      try {
        const rows = await readGaugeRows(sources.pool);
        observePayouts(
          rows,
          (value, attributes) => observer.observe(payouts, value, attributes),
          (value, kind) => observer.observe(payoutOpenAge, value, { kind }),
        );
        observer.observe(billsOverdue, rows.bills.overdue_count);
        observer.observe(billsOverdueFen, Number(rows.bills.overdue_fen));
        for (const category of EXCEPTION_CATEGORIES) {
          const open = rows.exceptions.find((row) => row.category === category)?.open_count ?? 0;
          observer.observe(exceptions, open, { category });
        }
        const backlog = await outboxBacklog(sources.pool, sources.schema);
        observer.observe(outboxAge, backlog.oldestPendingAgeMs / 1000);
        const lags = await Promise.all(sources.subscriptions.map((subscription) => subscription.lag()));
        observer.observe(
          consumerLag,
          lags.reduce((total, lag) => total + lag, 0),
        );
      } catch (error) {
        // A missed scrape shows as a gap on the dashboards; the service keeps running.
        sources.logger.warn({ err: error }, 'settlement gauges not read');
      }
    },
    [payouts, payoutOpenAge, billsOverdue, billsOverdueFen, exceptions, outboxAge, consumerLag],
  );
}

/** Every kind and state is observed, with 0 where no row exists, so alerts never face a missing series. */
function observePayouts(
  rows: SettlementGaugeRows,
  observeCount: (value: number, attributes: { kind: string; state: string }) => void,
  observeOpenAge: (value: number, kind: string) => void,
): void {
  for (const kind of PAYOUT_KINDS) {
    const ofKind = rows.payouts.filter((row) => row.kind === kind);
    for (const state of PAYOUT_STATES) {
      observeCount(ofKind.find((row) => row.state === state)?.payout_count ?? 0, { kind, state });
    }
    observeOpenAge(Math.max(0, ...ofKind.map((row) => row.oldest_open_age_seconds)), kind);
  }
}

async function readGaugeRows(pool: pg.Pool): Promise<SettlementGaugeRows> {
  const payouts = await pool.query<SettlementGaugeRows['payouts'][number]>(
    `SELECT kind, state, count(*)::int AS payout_count,
            coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE state = ANY($2::text[]))), 0)::float8
              AS oldest_open_age_seconds
     FROM payouts
     WHERE created_at > now() - make_interval(hours => $1) OR state = ANY($2::text[])
     GROUP BY kind, state`,
    [PAYOUT_OUTCOME_WINDOW_HOURS, PAYOUT_OPEN_STATES],
  );
  const bills = await pool.query<SettlementGaugeRows['bills']>(
    `SELECT count(*)::int AS overdue_count, coalesce(sum(amount_fen - repaid_fen), 0)::text AS overdue_fen
     FROM bills WHERE state = 'open' AND due_on < current_date`,
  );
  const exceptions = await pool.query<SettlementGaugeRows['exceptions'][number]>(
    `SELECT category, count(*)::int AS open_count FROM reconciliation_exceptions WHERE state = 'open' GROUP BY category`,
  );
  const billRow = bills.rows[0];
  assert(billRow !== undefined, 'an aggregate returns one row');
  assert(billRow.overdue_count >= 0, 'counts are never negative');
  return { payouts: payouts.rows, bills: billRow, exceptions: exceptions.rows };
}

/** Client pool gauges named after the OpenTelemetry database semantic conventions. */
function registerPoolMetrics(meter: Meter, pool: pg.Pool): void {
  const connections = meter.createObservableGauge('db.client.connection.count', {
    description: 'Connections of the Postgres pool by state (idle, used)',
  });
  const pending = meter.createObservableGauge('db.client.connection.pending_requests', {
    description: 'Queries waiting for a free connection of the Postgres pool',
  });
  meter.addBatchObservableCallback(
    (observer) => {
      const idle = pool.idleCount;
      assert(idle <= pool.totalCount, 'idle connections are part of the pool');
      observer.observe(connections, idle, { 'db.client.connection.state': 'idle' });
      observer.observe(connections, pool.totalCount - idle, { 'db.client.connection.state': 'used' });
      observer.observe(pending, pool.waitingCount);
    },
    [connections, pending],
  );
}
