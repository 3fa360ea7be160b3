/**
 * The no-loss invariants every scenario ends with, read from the platform's database (read-only,
 * as a verification tool) and from network-sim: every approval a terminal saw exists exactly once
 * at the network and in authorization, nothing else stays charged, the ledger balances, settlement
 * booked each standing purchase once, no outbox event is unpublished or missing from the event log,
 * and no authorization intent stays pending (crash recovery closes and reverses interrupted ones).
 */
import {
  type ApprovalKey,
  compareApprovals,
  fetchNetworkApprovals,
  fetchPlatformApprovals,
  NETWORK_SIM_URL,
  type SideVerification,
} from '@acq/bench';
import pg from 'pg';

/**
 * How long the platform gets to converge (SAF reversals, relay, settlement consumer, and crash
 * recovery, which closes an interrupted intent 45-75 s after it was written) after a scenario.
 */
export const CONVERGENCE_TIMEOUT_MS = 90_000;
const CONVERGENCE_POLL_MS = 1_000;
/** Schemas of services that write an outbox. */
const OUTBOX_SCHEMAS = ['authorization', 'merchant', 'card_registry', 'settlement', 'risk'] as const;

export interface InvariantReport {
  network: SideVerification;
  platform: SideVerification;
  /** Standing purchases in authorization that settlement has not booked, or booked but cancelled wrongly. */
  settlementMissing: number;
  /** Settlement bookings standing for a purchase authorization does not hold as standing. */
  settlementExtra: number;
  ledgerPostedImbalanceFen: bigint;
  ledgerPendingImbalanceFen: bigint;
  outboxUnpublished: number;
  outboxMissingFromLog: number;
  /** Events appended to the log more than once (at-least-once relay after a crash; consumers dedupe). */
  eventLogDuplicates: number;
  upstreamSafPending: number;
  upstreamSafParked: number;
  /** Authorization intents of the fleet still pending: a crashed transaction is closed by recovery. */
  authorizationPending: number;
  payoutsStuckOrDuplicated: number;
  convergedAfterMs: number;
  /**
   * Not an invariant: approvals standing at the network that no terminal saw, at the first reading
   * (after the terminals' own reversals): the charges only the platform's reversals could undo.
   */
  networkUnknownAtFirstReading: number;
  /** Not an invariant: why authorization refused what it refused (response code and reason). */
  platformRefusals: Record<string, number>;
}

export function invariantsHold(report: InvariantReport): boolean {
  const sidesClean = [report.network, report.platform].every(
    (side) => side.lostCount === 0 && side.duplicatedCount === 0 && side.unknownCount === 0,
  );
  return (
    sidesClean &&
    report.settlementMissing === 0 &&
    report.settlementExtra === 0 &&
    report.ledgerPostedImbalanceFen === 0n &&
    report.ledgerPendingImbalanceFen === 0n &&
    report.outboxUnpublished === 0 &&
    report.outboxMissingFromLog === 0 &&
    report.upstreamSafPending === 0 &&
    report.upstreamSafParked === 0 &&
    report.authorizationPending === 0 &&
    report.payoutsStuckOrDuplicated === 0
  );
}

/** Re-reads every invariant until they hold or the convergence time is up; returns the last reading. */
export async function awaitInvariants(
  databaseUrl: string,
  approvedByTerminals: readonly ApprovalKey[],
  terminalIds: readonly string[],
  window: { startedAtMs: number; endedAtMs: number },
): Promise<InvariantReport> {
  const startedAtMs = Date.now();
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'acq-reliability-verification' });
  await client.connect();
  try {
    let networkUnknownAtFirstReading: number | undefined;
    for (;;) {
      const report = await readInvariants(client, databaseUrl, approvedByTerminals, terminalIds, window);
      networkUnknownAtFirstReading ??= report.network.unknownCount;
      report.networkUnknownAtFirstReading = networkUnknownAtFirstReading;
      report.convergedAfterMs = Date.now() - startedAtMs;
      if (invariantsHold(report) || Date.now() - startedAtMs > CONVERGENCE_TIMEOUT_MS) return report;
      await new Promise((resolve) => setTimeout(resolve, CONVERGENCE_POLL_MS));
    }
  } finally {
    await client.end();
  }
}

async function readInvariants(
  client: pg.Client,
  databaseUrl: string,
  approved: readonly ApprovalKey[],
  terminalIds: readonly string[],
  window: { startedAtMs: number; endedAtMs: number },
): Promise<InvariantReport> {
  const networkApprovals = await fetchNetworkApprovals(NETWORK_SIM_URL, terminalIds, window.startedAtMs, Date.now());
  const platformApprovals = await fetchPlatformApprovals(databaseUrl, terminalIds, window.startedAtMs);
  const settlement = await settlementAgreement(client, terminalIds);
  const ledger = await ledgerImbalance(client);
  const outbox = await outboxState(client);
  const saf = await client.query<{ pending: string; parked: string }>(
    `SELECT count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'parked') AS parked
       FROM "authorization".upstream_saf_items`,
  );
  const pending = await client.query<{ count: string }>(
    `SELECT count(*) AS count FROM "authorization".transactions WHERE terminal_id = ANY($1) AND status = 'pending'`,
    [terminalIds],
  );
  const payouts = await client.query<{ bad: string }>(
    `SELECT (SELECT count(*) FROM settlement.payouts WHERE state = 'stuck')
          + (SELECT count(*) FROM (SELECT txn_id FROM settlement.payouts WHERE txn_id IS NOT NULL
                                    GROUP BY txn_id HAVING count(*) > 1) AS twice) AS bad`,
  );
  return {
    network: compareApprovals(approved, networkApprovals),
    platform: compareApprovals(approved, platformApprovals),
    ...settlement,
    ...ledger,
    ...outbox,
    upstreamSafPending: Number(saf.rows[0]?.pending ?? 0),
    upstreamSafParked: Number(saf.rows[0]?.parked ?? 0),
    authorizationPending: Number(pending.rows[0]?.count ?? 0),
    payoutsStuckOrDuplicated: Number(payouts.rows[0]?.bad ?? 0),
    convergedAfterMs: 0,
    networkUnknownAtFirstReading: 0,
    platformRefusals: await platformRefusals(client, terminalIds),
  };
}

/** Standing purchases in authorization against standing bookings in settlement, by terminal + RRN. */
async function settlementAgreement(client: pg.Client, terminalIds: readonly string[]) {
  const result = await client.query<{ missing: string; extra: string }>(
    `WITH standing_auth AS (
       SELECT terminal_id, rrn FROM "authorization".transactions
        WHERE terminal_id = ANY($1) AND kind = 'purchase' AND status = 'approved'
          AND reversed_at IS NULL AND cancelled_by_txn_id IS NULL),
     standing_settlement AS (
       SELECT terminal_id, rrn FROM settlement.transactions
        WHERE terminal_id = ANY($1) AND kind = 'PURCHASE' AND cancelled_by IS NULL)
     SELECT (SELECT count(*) FROM (SELECT * FROM standing_auth EXCEPT ALL SELECT * FROM standing_settlement) AS m) AS missing,
            (SELECT count(*) FROM (SELECT * FROM standing_settlement EXCEPT ALL SELECT * FROM standing_auth) AS e) AS extra`,
    [terminalIds],
  );
  return { settlementMissing: Number(result.rows[0]?.missing), settlementExtra: Number(result.rows[0]?.extra) };
}

/** Every transfer debits one account and credits another by the same amount: the sums must match. */
async function ledgerImbalance(client: pg.Client) {
  const result = await client.query<{ posted: string; pending: string }>(
    `SELECT (coalesce(sum(debits_posted), 0) - coalesce(sum(credits_posted), 0))::text AS posted,
            (coalesce(sum(debits_pending), 0) - coalesce(sum(credits_pending), 0))::text AS pending
       FROM settlement.accounts`,
  );
  return {
    ledgerPostedImbalanceFen: BigInt(result.rows[0]?.posted ?? '0'),
    ledgerPendingImbalanceFen: BigInt(result.rows[0]?.pending ?? '0'),
  };
}

async function outboxState(client: pg.Client) {
  let outboxUnpublished = 0;
  let outboxMissingFromLog = 0;
  for (const schema of OUTBOX_SCHEMAS) {
    const exists = await client.query(`SELECT to_regclass($1) AS name`, [`"${schema}".outbox`]);
    if (exists.rows[0]?.name === null) continue;
    const result = await client.query<{ unpublished: string; missing: string }>(
      `SELECT count(*) FILTER (WHERE o.published_at IS NULL) AS unpublished,
              count(*) FILTER (WHERE o.published_at IS NOT NULL AND l.event_id IS NULL) AS missing
         FROM "${schema}".outbox o
         LEFT JOIN (SELECT DISTINCT event_id FROM bus.event_log) l ON l.event_id = o.event_id`,
    );
    outboxUnpublished += Number(result.rows[0]?.unpublished ?? 0);
    outboxMissingFromLog += Number(result.rows[0]?.missing ?? 0);
  }
  const duplicates = await client.query<{ count: string }>(
    `SELECT count(*) AS count FROM (SELECT event_id FROM bus.event_log GROUP BY event_id HAVING count(*) > 1) AS d`,
  );
  return { outboxUnpublished, outboxMissingFromLog, eventLogDuplicates: Number(duplicates.rows[0]?.count ?? 0) };
}

async function platformRefusals(client: pg.Client, terminalIds: readonly string[]): Promise<Record<string, number>> {
  const result = await client.query<{ reason: string; count: string }>(
    `SELECT status || ' ' || response_code || ' ' || coalesce(decline_reason, '') AS reason, count(*) AS count
       FROM "authorization".transactions WHERE terminal_id = ANY($1) AND status <> 'approved' GROUP BY 1`,
    [terminalIds],
  );
  return Object.fromEntries(result.rows.map((row) => [row.reason, Number(row.count)]));
}
