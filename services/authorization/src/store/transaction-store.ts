/**
 * Durable transaction records. Intents and outcomes go through group commit (one multi-row statement
 * and one COMMIT for many transactions); lookups, claims on originals, reversals and batch messages
 * are single short transactions because they are rare next to purchases.
 */
import { assert } from '@acq/assert';
import {
  announceOutboxWrite,
  OUTBOX_EVENT_COLUMNS,
  OUTBOX_EVENT_PARAMETER_COUNT,
  outboxEventSource,
  prepareOutboxInsert,
} from '@acq/bus';
import { withTransaction } from '@acq/db';
import type { Fen } from '@acq/money';
import type pg from 'pg';
import type { CardKind } from '../domain/fee.ts';
import type { TransactionKind } from '../domain/transaction-kind.ts';
import type { OutboxEvent } from '../flows/ports.ts';
import { releaseClaim } from './original-claims.ts';
import { GroupCommitter, type GroupCommitLimits } from './group-commit.ts';
import {
  bufferOrNull,
  type StoredTransaction,
  TRANSACTION_COLUMNS,
  type TransactionRow,
  transactionFromRow,
} from './transaction-row.ts';

export type OutboxWriter = (client: pg.PoolClient, events: readonly OutboxEvent[]) => Promise<void>;

export interface IntentRow {
  readonly txnId: string;
  readonly kind: TransactionKind;
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly stan: string;
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly merchantNumberFromTerminal: string;
  readonly mcc: string;
  readonly amountFen: Fen;
  readonly posEntryMode: string;
  readonly cardToken: string | null;
  readonly panMasked: string | null;
  readonly posConditionCode: string;
  readonly requestFingerprint: string;
  readonly rrn: string;
  /**
   * The identity reserved for the upstream request ('' when it goes elsewhere): crash recovery
   * reverses a pending intent by it. The outcome overwrites it with what was sent ('' if nothing).
   */
  readonly networkStan: string;
  readonly transmissionDateTime: string;
  readonly businessDate: string;
  readonly originalTxnId: string | null;
}

export type IntentResult =
  | { readonly kind: 'recorded' }
  | { readonly kind: 'duplicate'; readonly existing: StoredTransaction };

export interface OutcomeRow {
  readonly txnId: string;
  readonly status: 'approved' | 'declined' | 'timed_out';
  /** The network's RRN when it sent one, else ours from the intent. */
  readonly rrn: string;
  readonly networkStan: string;
  readonly transmissionDateTime: string;
  readonly authCode: string;
  readonly responseCode: string;
  readonly declineReason: string | null;
  readonly cardKind: CardKind;
  readonly feeFen: Fen;
  readonly balanceFen: Fen | null;
  readonly iccResponse: Uint8Array | null;
  /** Give back the claim this row holds on its original (declined or timed-out void/refund/completion). */
  readonly releaseClaim: boolean;
  /** Written only when the row is still pending and was not reversed meanwhile. */
  readonly events: readonly OutboxEvent[];
}

/** `reversed_meanwhile`: the terminal reversed it while it was in flight, so no event was written. */
export type OutcomeResult = 'recorded' | 'reversed_meanwhile' | 'not_pending';

export class TransactionStore {
  readonly #pool: pg.Pool;
  readonly #writeOutbox: OutboxWriter;
  readonly #intents: GroupCommitter<IntentRow, IntentResult>;
  readonly #outcomes: GroupCommitter<OutcomeRow, OutcomeResult>;

  constructor(pool: pg.Pool, writeOutbox: OutboxWriter, limits: GroupCommitLimits) {
    this.#pool = pool;
    this.#writeOutbox = writeOutbox;
    this.#intents = new GroupCommitter((rows) => this.#writeIntents(rows), limits);
    this.#outcomes = new GroupCommitter((rows) => this.#writeOutcomes(rows), limits);
  }

  get pool(): pg.Pool {
    return this.#pool;
  }

  get writeOutbox(): OutboxWriter {
    return this.#writeOutbox;
  }

  groupCommitStats(): {
    intents: { batchesWritten: number; rowsWritten: number };
    outcomes: { batchesWritten: number; rowsWritten: number };
  } {
    return { intents: this.#intents.stats, outcomes: this.#outcomes.stats };
  }

  recordIntent(row: IntentRow): Promise<IntentResult> {
    assert(row.amountFen >= 0n, 'intent amounts are never negative');
    assert((row.networkStan === '') === (row.transmissionDateTime === ''), 'a network identity is STAN and field 7');
    assert(row.txnId.startsWith('auth_'), 'transaction ids carry the auth_ prefix');
    return this.#intents.submit(row);
  }

  recordOutcome(row: OutcomeRow): Promise<OutcomeResult> {
    assert(row.status !== 'approved' || row.declineReason === null, 'approved outcomes carry no decline reason');
    assert(row.status === 'approved' || row.declineReason !== null, 'declines carry their reason');
    assert(!(row.status === 'approved' && row.releaseClaim), 'an approval keeps its claim');
    return this.#outcomes.submit(row);
  }

  async close(): Promise<void> {
    await this.#intents.close();
    await this.#outcomes.close();
  }

  async findByKey(terminalId: string, batchNumber: string, stan: string): Promise<StoredTransaction | undefined> {
    const result = await this.#pool.query<TransactionRow>(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE terminal_id = $1 AND batch_number = $2 AND stan = $3`,
      [terminalId, batchNumber, stan],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : transactionFromRow(row);
  }

  /** The merchant's approved transaction with this RRN (refunds from another terminal). */
  async findApprovedByMerchantRrn(merchantId: string, rrn: string): Promise<StoredTransaction | undefined> {
    const result = await this.#pool.query<TransactionRow>(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions
       WHERE merchant_id = $1 AND rrn = $2 AND status = 'approved' ORDER BY created_at DESC LIMIT 2`,
      [merchantId, rrn],
    );
    // An RRN that is not unique within the merchant cannot identify an original safely.
    if (result.rows.length !== 1) return undefined;
    const row = result.rows[0];
    return row === undefined ? undefined : transactionFromRow(row);
  }

  async findById(txnId: string): Promise<StoredTransaction | undefined> {
    const result = await this.#pool.query<TransactionRow>(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE txn_id = $1`,
      [txnId],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : transactionFromRow(row);
  }

  /**
   * One INSERT is atomic on its own, so intents need no explicit transaction (two round trips fewer).
   * Conflicting keys are read back afterwards; a row that conflicts was committed before this one.
   */
  async #writeIntents(rows: readonly IntentRow[]): Promise<IntentResult[]> {
    const inserted = await this.#pool.query<{ txn_id: string }>({
      name: 'authorization-insert-intents',
      text: INSERT_INTENTS_SQL,
      values: intentColumns(rows),
    });
    const insertedIds = new Set(inserted.rows.map((row) => row.txn_id));
    const conflicting = rows.filter((row) => !insertedIds.has(row.txnId));
    const existingByKey = await loadByKeys(this.#pool, conflicting);
    return rows.map((row): IntentResult => {
      if (insertedIds.has(row.txnId)) return { kind: 'recorded' };
      const existing = existingByKey.get(keyOf(row));
      assert(existing !== undefined, 'a conflicting intent has a stored row with its key');
      return { kind: 'duplicate', existing };
    });
  }

  /**
   * Outcomes and their events in one autocommit statement (the update and the outbox insert as one
   * CTE: one round trip, no BEGIN/COMMIT). A batch that gives back claims on originals (declined
   * voids and refunds, rare) takes the transaction path.
   */
  async #writeOutcomes(rows: readonly OutcomeRow[]): Promise<OutcomeResult[]> {
    if (rows.some((row) => row.releaseClaim)) return this.#writeOutcomesReleasingClaims(rows);
    const insert = prepareOutboxInsert(rows.flatMap((row) => row.events));
    const eventOwners = rows.flatMap((row) => row.events.map(() => row.txnId));
    const updated = await this.#pool.query<{
      txn_id: string;
      reversed: boolean;
      events_written: number;
      schema: string;
    }>({
      name: 'authorization-update-outcomes-with-events',
      text: UPDATE_OUTCOMES_WITH_EVENTS_SQL,
      values: [...outcomeColumns(rows), ...insert.parameters, eventOwners],
    });
    const reversedById = new Map(updated.rows.map((row) => [row.txn_id, row.reversed]));
    const first = updated.rows[0];
    if (first !== undefined) {
      const expectedCount = rows
        .filter((row) => reversedById.get(row.txnId) === false)
        .reduce((count, row) => count + row.events.length, 0);
      assert(first.events_written === expectedCount, 'every recorded outcome wrote its events');
      if (expectedCount > 0) announceOutboxWrite(first.schema);
    }
    return outcomeResults(rows, reversedById);
  }

  async #writeOutcomesReleasingClaims(rows: readonly OutcomeRow[]): Promise<OutcomeResult[]> {
    return withTransaction(this.#pool, async (client) => {
      const updated = await client.query<{ txn_id: string; reversed: boolean }>(
        UPDATE_OUTCOMES_SQL,
        outcomeColumns(rows),
      );
      const reversedById = new Map(updated.rows.map((row) => [row.txn_id, row.reversed]));
      const events = rows.filter((row) => reversedById.get(row.txnId) === false).flatMap((row) => row.events);
      if (events.length > 0) await this.#writeOutbox(client, events);
      // One statement each keeps two claims on one original exact.
      for (const row of rows) {
        if (row.releaseClaim && reversedById.has(row.txnId)) await releaseClaim(client, row.txnId);
      }
      return outcomeResults(rows, reversedById);
    });
  }
}

function outcomeResults(rows: readonly OutcomeRow[], reversedById: ReadonlyMap<string, boolean>): OutcomeResult[] {
  return rows.map((row): OutcomeResult => {
    const reversed = reversedById.get(row.txnId);
    if (reversed === undefined) return 'not_pending';
    return reversed ? 'reversed_meanwhile' : 'recorded';
  });
}

function keyOf(row: { terminalId: string; batchNumber: string; stan: string }): string {
  return `${row.terminalId}|${row.batchNumber}|${row.stan}`;
}

async function loadByKeys(client: pg.Pool, rows: readonly IntentRow[]): Promise<Map<string, StoredTransaction>> {
  const found = new Map<string, StoredTransaction>();
  if (rows.length === 0) return found;
  const result = await client.query<TransactionRow>(
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions
     WHERE (terminal_id, batch_number, stan) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
    [rows.map((row) => row.terminalId), rows.map((row) => row.batchNumber), rows.map((row) => row.stan)],
  );
  for (const row of result.rows) {
    const stored = transactionFromRow(row);
    found.set(keyOf(stored), stored);
  }
  return found;
}

const INSERT_INTENTS_SQL = `
INSERT INTO transactions (txn_id, kind, status, terminal_id, batch_number, stan, merchant_id, merchant_number,
  merchant_number_from_terminal, mcc, amount_fen, pos_entry_mode, card_token, pan_masked, pos_condition_code,
  request_fingerprint, rrn, business_date, original_txn_id, network_stan, transmission_date_time)
SELECT i.txn_id, i.kind, 'pending', i.terminal_id, i.batch_number, i.stan, i.merchant_id, i.merchant_number,
  i.merchant_number_from_terminal, i.mcc, i.amount_fen, i.pos_entry_mode, i.card_token, i.pan_masked,
  i.pos_condition_code, i.request_fingerprint, i.rrn, i.business_date, i.original_txn_id, i.network_stan,
  i.transmission_date_time
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::text[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
  $16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
  AS i(txn_id, kind, terminal_id, batch_number, stan, merchant_id, merchant_number, merchant_number_from_terminal, mcc,
  amount_fen, pos_entry_mode, card_token, pan_masked, pos_condition_code, request_fingerprint, rrn, business_date,
  original_txn_id, network_stan, transmission_date_time)
ON CONFLICT (terminal_id, batch_number, stan) DO NOTHING
RETURNING txn_id`;

function intentColumns(rows: readonly IntentRow[]): unknown[] {
  return [
    rows.map((row) => row.txnId),
    rows.map((row) => row.kind),
    rows.map((row) => row.terminalId),
    rows.map((row) => row.batchNumber),
    rows.map((row) => row.stan),
    rows.map((row) => row.merchantId),
    rows.map((row) => row.merchantNumber),
    rows.map((row) => row.merchantNumberFromTerminal),
    rows.map((row) => row.mcc),
    rows.map((row) => row.amountFen.toString()),
    rows.map((row) => row.posEntryMode),
    rows.map((row) => row.cardToken),
    rows.map((row) => row.panMasked),
    rows.map((row) => row.posConditionCode),
    rows.map((row) => row.requestFingerprint),
    rows.map((row) => row.rrn),
    rows.map((row) => row.businessDate),
    rows.map((row) => row.originalTxnId),
    rows.map((row) => row.networkStan),
    rows.map((row) => row.transmissionDateTime),
  ];
}

const UPDATE_OUTCOMES_SQL = `
UPDATE transactions t SET status = o.status, auth_code = o.auth_code, response_code = o.response_code,
  decline_reason = o.decline_reason, card_kind = o.card_kind, fee_fen = o.fee_fen, balance_fen = o.balance_fen,
  icc_response = o.icc_response, rrn = o.rrn, network_stan = o.network_stan,
  transmission_date_time = o.transmission_date_time, completed_at = now()
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
  $9::bytea[], $10::text[], $11::text[], $12::text[]) AS o(txn_id, status, auth_code, response_code, decline_reason,
  card_kind, fee_fen, balance_fen, icc_response, rrn, network_stan, transmission_date_time)
WHERE t.txn_id = o.txn_id AND t.status = 'pending'
RETURNING t.txn_id, t.reversed_at IS NOT NULL AS reversed`;

const OUTCOME_COLUMN_COUNT = 12;

/**
 * UPDATE_OUTCOMES_SQL and the events of the rows it recorded (not those reversed meanwhile) in one
 * statement; each event is tied to its transaction by the owner array after the outbox columns.
 */
const UPDATE_OUTCOMES_WITH_EVENTS_SQL = `
WITH updated AS (${UPDATE_OUTCOMES_SQL}),
inserted AS (
  INSERT INTO outbox (${OUTBOX_EVENT_COLUMNS})
  SELECT ${OUTBOX_EVENT_COLUMNS}
  FROM ${outboxEventSource(OUTCOME_COLUMN_COUNT + 1)}
  JOIN unnest($${OUTCOME_COLUMN_COUNT + OUTBOX_EVENT_PARAMETER_COUNT + 1}::text[]) WITH ORDINALITY
    AS event_owner(txn_id, ordinal) USING (ordinal)
  JOIN updated ON updated.txn_id = event_owner.txn_id AND NOT updated.reversed
  ORDER BY outbox_event.ordinal
  RETURNING 1)
SELECT updated.txn_id, updated.reversed, (SELECT count(*) FROM inserted)::int AS events_written,
  current_schema() AS schema
FROM updated`;

function outcomeColumns(rows: readonly OutcomeRow[]): unknown[] {
  const columns = [
    rows.map((row) => row.txnId),
    rows.map((row) => row.status),
    rows.map((row) => row.authCode),
    rows.map((row) => row.responseCode),
    rows.map((row) => row.declineReason),
    rows.map((row) => row.cardKind),
    rows.map((row) => row.feeFen.toString()),
    rows.map((row) => (row.balanceFen === null ? null : row.balanceFen.toString())),
    rows.map((row) => bufferOrNull(row.iccResponse)),
    rows.map((row) => row.rrn),
    rows.map((row) => row.networkStan),
    rows.map((row) => row.transmissionDateTime),
  ];
  assert(columns.length === OUTCOME_COLUMN_COUNT, 'outcome columns match the statement');
  return columns;
}
