/**
 * Postgres access for the risk schema: cases, blacklists and T0 suspensions, each change written
 * together with its outbox event and a bumped cache version in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { assert } from '@acq/assert';
import { writeOutboxEvents } from '@acq/bus';
import { withTransaction } from '@acq/db';
import type pg from 'pg';
import {
  type BlacklistEntry,
  type BlacklistKind,
  type CaseAction,
  CaseStatus,
  type RiskCase,
  type RiskSignal,
  STATUS_AFTER_ACTION,
} from '../domain/cases.ts';
import { BLACKLIST_ENTRIES_MAX, CASE_EVIDENCE_TXN_IDS_MAX } from '../limits.ts';
import { alertEvent, blacklistChangedEvent, caseEvent, type OutboxEvent, t0SuspensionEvent } from './risk-events.ts';

interface CaseRow {
  case_id: string;
  status: CaseStatus;
  rule: string;
  reason: string;
  merchant_id: string;
  terminal_id: string;
  card_token: string;
  hit_count: number;
  txn_ids: string[];
  opened_at: Date;
  last_hit_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
}

function caseFromRow(row: CaseRow): RiskCase {
  return {
    caseId: row.case_id,
    status: row.status,
    rule: row.rule,
    reason: row.reason,
    merchantId: row.merchant_id,
    terminalId: row.terminal_id,
    cardToken: row.card_token,
    hitCount: row.hit_count,
    txnIds: row.txn_ids,
    openedAtMs: row.opened_at.getTime(),
    lastHitAtMs: row.last_hit_at.getTime(),
    decidedAtMs: row.decided_at?.getTime() ?? 0,
    decidedBy: row.decided_by ?? '',
    decisionNote: row.decision_note ?? '',
  };
}

const CASE_COLUMNS =
  'case_id, status, rule, reason, merchant_id, terminal_id, card_token, hit_count, txn_ids, opened_at, last_hit_at, decided_at, decided_by, decision_note';

async function bumpCacheVersion(client: pg.ClientBase): Promise<void> {
  const result = await client.query('UPDATE cache_version SET version = version + 1 WHERE id = 1');
  assert(result.rowCount === 1, 'the cache version row exists');
}

export type DecideResult =
  | { kind: 'decided'; riskCase: RiskCase }
  | { kind: 'not_found' }
  | { kind: 'already_decided'; riskCase: RiskCase };

export class RiskStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Records signals: an alert each, and opens (or joins) the merchant's open case for the rule. */
  async recordSignals(signals: readonly RiskSignal[]): Promise<RiskCase[]> {
    assert(signals.length > 0, 'record at least one signal');
    return withTransaction(this.#pool, async (client) => {
      const events: OutboxEvent[] = [];
      const touched: RiskCase[] = [];
      for (const signal of signals) {
        let caseId = '';
        if (signal.opensCase && signal.merchantId !== '') {
          const { riskCase, opened } = await upsertOpenCase(client, signal);
          caseId = riskCase.caseId;
          touched.push(riskCase);
          if (opened) events.push(caseEvent('risk.case.opened', riskCase, undefined));
        }
        events.push(alertEvent(signal, caseId));
      }
      await writeOutboxEvents(client, events);
      return touched;
    });
  }

  async decideCase(caseId: string, action: CaseAction, operatorId: string, note: string): Promise<DecideResult> {
    assert(operatorId.length > 0, 'decisions name their operator');
    return withTransaction(this.#pool, async (client) => {
      const updated = await client.query<CaseRow>(
        `UPDATE risk_cases SET status = $2, decided_at = now(), decided_by = $3, decision_note = $4
         WHERE case_id = $1 AND status = 'open' RETURNING ${CASE_COLUMNS}`,
        [caseId, STATUS_AFTER_ACTION[action], operatorId, note],
      );
      const row = updated.rows[0];
      if (row === undefined) {
        const existing = await client.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM risk_cases WHERE case_id = $1`, [
          caseId,
        ]);
        const found = existing.rows[0];
        return found === undefined ? { kind: 'not_found' } : { kind: 'already_decided', riskCase: caseFromRow(found) };
      }
      const riskCase = caseFromRow(row);
      assert(riskCase.status !== CaseStatus.open, 'a decided case is no longer open');
      const events: OutboxEvent[] = [caseEvent('risk.case.decided', riskCase, action)];
      if (action === 'suspend_t0') {
        await client.query(
          `INSERT INTO t0_suspensions (merchant_id, reason, case_id) VALUES ($1, $2, $3)
           ON CONFLICT (merchant_id) DO UPDATE SET reason = EXCLUDED.reason, case_id = EXCLUDED.case_id, suspended_at = now()`,
          [riskCase.merchantId, `case ${caseId}: ${riskCase.rule}`, caseId],
        );
        events.push(t0SuspensionEvent(riskCase.merchantId, true, `case ${caseId}: ${riskCase.rule}`, caseId));
      }
      if (action === 'freeze_merchant') {
        // The merchant service freezes the merchant on the event; the blacklist entry stops
        // transactions at once, before that event is even delivered.
        const entry = await upsertBlacklist(
          client,
          'merchant',
          riskCase.merchantId,
          `frozen by case ${caseId}`,
          operatorId,
        );
        events.push(blacklistChangedEvent(entry, false));
      }
      await writeOutboxEvents(client, events);
      await bumpCacheVersion(client);
      return { kind: 'decided', riskCase };
    });
  }

  async listCases(filter: {
    status: CaseStatus | undefined;
    merchantId: string;
    pageSize: number;
    after: { openedAtMs: number; caseId: string } | undefined;
  }): Promise<RiskCase[]> {
    assert(filter.pageSize > 0, 'pages hold at least one case');
    const result = await this.#pool.query<CaseRow>(
      `SELECT ${CASE_COLUMNS} FROM risk_cases
       WHERE ($1::text IS NULL OR status = $1) AND ($2 = '' OR merchant_id = $2)
         AND ($3::timestamptz IS NULL OR (opened_at, case_id) < ($3, $4))
       ORDER BY opened_at DESC, case_id DESC LIMIT $5`,
      [
        filter.status ?? null,
        filter.merchantId,
        filter.after === undefined ? null : new Date(filter.after.openedAtMs),
        filter.after?.caseId ?? '',
        filter.pageSize,
      ],
    );
    return result.rows.map(caseFromRow);
  }

  async putBlacklist(kind: BlacklistKind, value: string, reason: string, operatorId: string): Promise<BlacklistEntry> {
    return withTransaction(this.#pool, async (client) => {
      const entry = await upsertBlacklist(client, kind, value, reason, operatorId);
      await writeOutboxEvents(client, [blacklistChangedEvent(entry, false)]);
      await bumpCacheVersion(client);
      return entry;
    });
  }

  async deleteBlacklist(kind: BlacklistKind, value: string, operatorId: string): Promise<boolean> {
    assert(operatorId.length > 0, 'removals name their operator');
    return withTransaction(this.#pool, async (client) => {
      const deleted = await client.query<{ reason: string; created_at: Date }>(
        'DELETE FROM blacklist_entries WHERE kind = $1 AND value = $2 RETURNING reason, created_at',
        [kind, value],
      );
      const row = deleted.rows[0];
      if (row === undefined) return false;
      const entry = { kind, value, reason: row.reason, createdBy: operatorId, createdAtMs: row.created_at.getTime() };
      await writeOutboxEvents(client, [blacklistChangedEvent(entry, true)]);
      await bumpCacheVersion(client);
      return true;
    });
  }

  async readCacheVersion(): Promise<bigint> {
    const result = await this.#pool.query<{ version: bigint }>('SELECT version FROM cache_version WHERE id = 1');
    const version = result.rows[0]?.version;
    assert(typeof version === 'bigint', 'cache version is an int8');
    return version;
  }

  async loadBlacklist(): Promise<BlacklistEntry[]> {
    const result = await this.#pool.query<{
      kind: BlacklistKind;
      value: string;
      reason: string;
      created_by: string;
      created_at: Date;
    }>('SELECT kind, value, reason, created_by, created_at FROM blacklist_entries LIMIT $1', [
      BLACKLIST_ENTRIES_MAX + 1,
    ]);
    assert(result.rows.length <= BLACKLIST_ENTRIES_MAX, 'blacklist outgrew its in-memory bound');
    return result.rows.map((row) => ({
      kind: row.kind,
      value: row.value,
      reason: row.reason,
      createdBy: row.created_by,
      createdAtMs: row.created_at.getTime(),
    }));
  }

  async loadT0Suspensions(): Promise<Map<string, { reason: string; caseId: string; suspendedAtMs: number }>> {
    const result = await this.#pool.query<{ merchant_id: string; reason: string; case_id: string; suspended_at: Date }>(
      'SELECT merchant_id, reason, case_id, suspended_at FROM t0_suspensions',
    );
    return new Map(
      result.rows.map((row) => [
        row.merchant_id,
        { reason: row.reason, caseId: row.case_id, suspendedAtMs: row.suspended_at.getTime() },
      ]),
    );
  }
}

async function upsertOpenCase(
  client: pg.ClientBase,
  signal: RiskSignal,
): Promise<{ riskCase: RiskCase; opened: boolean }> {
  const result = await client.query<CaseRow & { opened: boolean }>(
    `INSERT INTO risk_cases (case_id, status, rule, reason, merchant_id, terminal_id, card_token, txn_ids, opened_at, last_hit_at)
     VALUES ($1, 'open', $2, $3, $4, $5, $6, CASE WHEN $7 = '' THEN '{}'::text[] ELSE ARRAY[$7] END, to_timestamp($8 / 1000.0), to_timestamp($8 / 1000.0))
     ON CONFLICT (merchant_id, rule) WHERE status = 'open' DO UPDATE SET
       hit_count = risk_cases.hit_count + 1,
       last_hit_at = GREATEST(risk_cases.last_hit_at, EXCLUDED.last_hit_at),
       reason = EXCLUDED.reason,
       txn_ids = (CASE WHEN $7 = '' OR $7 = ANY(risk_cases.txn_ids) THEN risk_cases.txn_ids
                  ELSE array_prepend($7, risk_cases.txn_ids) END)[1:$9]
     RETURNING ${CASE_COLUMNS}, (xmax = 0) AS opened`,
    [
      `rcase_${randomUUID()}`,
      signal.rule,
      signal.reason,
      signal.merchantId,
      signal.terminalId,
      signal.cardToken,
      signal.txnId,
      signal.occurredAtMs,
      CASE_EVIDENCE_TXN_IDS_MAX,
    ],
  );
  const row = result.rows[0];
  assert(row !== undefined, 'an upsert returns its row');
  return { riskCase: caseFromRow(row), opened: row.opened };
}

async function upsertBlacklist(
  client: pg.ClientBase,
  kind: BlacklistKind,
  value: string,
  reason: string,
  operatorId: string,
): Promise<BlacklistEntry> {
  assert(operatorId.length > 0, 'blacklist changes name their operator');
  const result = await client.query<{ created_at: Date }>(
    `INSERT INTO blacklist_entries (kind, value, reason, created_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (kind, value) DO UPDATE SET reason = EXCLUDED.reason, created_by = EXCLUDED.created_by
     RETURNING created_at`,
    [kind, value, reason, operatorId],
  );
  const row = result.rows[0];
  assert(row !== undefined, 'an upsert returns its row');
  return { kind, value, reason, createdBy: operatorId, createdAtMs: row.created_at.getTime() };
}
