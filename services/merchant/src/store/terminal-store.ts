/** SQL for terminals: registration, activation, binding history, keys, sign-in state, batch, location. */
import { assert } from '@acq/assert';
import { TERMINAL_STATUSES, type TerminalStatus, terminalIdFromSequence } from '../domain/terminal-rules.ts';
import type { Queryable } from './queryable.ts';
import type { TerminalLocationRecord, TerminalRecord } from './records.ts';
import {
  bool,
  epochMs,
  firstRow,
  int,
  int8,
  locationFromRow,
  oneOf,
  optionalEpochMs,
  optionalText,
  type Row,
  text,
  trimmedText,
} from './row-mapping.ts';

function terminalFromRow(row: Row): TerminalRecord {
  return {
    terminalId: trimmedText(row, 'terminal_id'),
    serialNumber: text(row, 'serial_number'),
    model: text(row, 'model'),
    merchantId: text(row, 'merchant_id'),
    status: oneOf(row, 'status', TERMINAL_STATUSES),
    activationCodeHash: optionalText(row, 'activation_code_hash'),
    activationCodeExpiresAtMs: optionalEpochMs(row, 'activation_code_expires_at'),
    activationAttempts: int(row, 'activation_attempts'),
    tmkUnderMasterKey: text(row, 'tmk_under_master_key'),
    signedIn: bool(row, 'signed_in'),
    lastSignedInAtMs: optionalEpochMs(row, 'last_signed_in_at'),
    batchNumber: text(row, 'batch_number'),
    boundAtMs: optionalEpochMs(row, 'bound_at'),
    reboundAtMs: optionalEpochMs(row, 'rebound_at'),
    location: locationFromRow(row),
    registeredAtMs: epochMs(row, 'registered_at'),
    version: int8(row, 'version'),
  };
}

export async function nextTerminalId(db: Queryable): Promise<string> {
  const result = await db.query(`SELECT nextval('terminal_id_seq') AS sequence`);
  const row = firstRow(result.rows);
  assert(row !== undefined, 'nextval returns a row');
  return terminalIdFromSequence(int8(row, 'sequence'));
}

/** Inserts a registered terminal; undefined when the serial number is already registered. */
export async function insertTerminal(
  db: Queryable,
  input: {
    readonly terminalId: string;
    readonly serialNumber: string;
    readonly model: string;
    readonly merchantId: string;
    readonly activationCodeHash: string;
    readonly activationCodeExpiresAtMs: number;
  },
): Promise<TerminalRecord | undefined> {
  const result = await db.query(
    `INSERT INTO terminals (terminal_id, serial_number, model, merchant_id, activation_code_hash, activation_code_expires_at)
     VALUES ($1, $2, $3, $4, $5, to_timestamp($6::double precision / 1000))
     ON CONFLICT (serial_number) DO NOTHING
     RETURNING *`,
    [
      input.terminalId,
      input.serialNumber,
      input.model,
      input.merchantId,
      input.activationCodeHash,
      input.activationCodeExpiresAtMs,
    ],
  );
  const row = firstRow(result.rows);
  return row === undefined ? undefined : terminalFromRow(row);
}

export async function findTerminal(
  db: Queryable,
  key: { readonly terminalId: string } | { readonly serialNumber: string },
  lock: 'for_update' | 'none',
): Promise<TerminalRecord | undefined> {
  const suffix = lock === 'for_update' ? ' FOR UPDATE' : '';
  const [column, value] = 'terminalId' in key ? ['terminal_id', key.terminalId] : ['serial_number', key.serialNumber];
  const result = await db.query(`SELECT * FROM terminals WHERE ${column} = $1${suffix}`, [value]);
  const row = firstRow(result.rows);
  return row === undefined ? undefined : terminalFromRow(row);
}

export async function listTerminalsOfMerchant(
  db: Queryable,
  merchantId: string,
  rowsMax: number,
): Promise<TerminalRecord[]> {
  assert(rowsMax >= 1, 'a list returns at least one row');
  const result = await db.query(
    'SELECT * FROM terminals WHERE merchant_id = $1 ORDER BY registered_at, terminal_id LIMIT $2',
    [merchantId, rowsMax],
  );
  return result.rows.map(terminalFromRow);
}

export async function countTerminalsOfMerchant(db: Queryable, merchantId: string): Promise<number> {
  const result = await db.query(
    `SELECT count(*)::int AS terminal_count FROM terminals WHERE merchant_id = $1 AND status <> 'retired'`,
    [merchantId],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'count returns a row');
  return int(row, 'terminal_count');
}

/** Every terminal UPDATE goes through here so each change bumps the context version. */
async function updateTerminal(db: Queryable, terminalId: string, setClause: string, values: unknown[]) {
  const result = await db.query(
    `UPDATE terminals SET ${setClause}, version = nextval('context_version_seq') WHERE terminal_id = $1 RETURNING *`,
    [terminalId, ...values],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'the terminal exists (callers lock it first)');
  return terminalFromRow(row);
}

/** A fresh activation code for a registered terminal (re-issue or re-bind): attempts start again. */
export function resetActivationCode(
  db: Queryable,
  terminalId: string,
  change: {
    readonly merchantId: string;
    readonly activationCodeHash: string;
    readonly activationCodeExpiresAtMs: number;
  },
): Promise<TerminalRecord> {
  return updateTerminal(
    db,
    terminalId,
    `merchant_id = $2, status = 'registered', activation_code_hash = $3,
     activation_code_expires_at = to_timestamp($4::double precision / 1000), activation_attempts = 0,
     tmk_under_master_key = '', pik_under_master_key = '', mak_under_master_key = '', tdk_under_master_key = '',
     key_mode = '', signed_in = false`,
    [change.merchantId, change.activationCodeHash, change.activationCodeExpiresAtMs],
  );
}

/** A wrong code counts against the limit without touching the context version: nothing else changed. */
export async function countFailedActivation(db: Queryable, terminalId: string): Promise<number> {
  const result = await db.query(
    'UPDATE terminals SET activation_attempts = activation_attempts + 1 WHERE terminal_id = $1 RETURNING activation_attempts',
    [terminalId],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'the terminal exists');
  return int(row, 'activation_attempts');
}

/** Binds the terminal: the code is spent, the TMK stored under the master key, the first batch opened. */
export function markActivated(
  db: Queryable,
  terminalId: string,
  change: { readonly tmkUnderMasterKey: string; readonly rebinding: boolean },
): Promise<TerminalRecord> {
  assert(change.tmkUnderMasterKey !== '', 'activation stores a TMK');
  return updateTerminal(
    db,
    terminalId,
    `status = 'activated', activation_code_hash = NULL, activation_code_expires_at = NULL,
     tmk_under_master_key = $2, batch_number = '000001', signed_in = false,
     bound_at = COALESCE(bound_at, now()), rebound_at = CASE WHEN $3 THEN now() ELSE rebound_at END`,
    [change.tmkUnderMasterKey, change.rebinding],
  );
}

export function storeWorkingKeys(
  db: Queryable,
  terminalId: string,
  keys: {
    readonly keyMode: string;
    readonly pikUnderMasterKey: string;
    readonly makUnderMasterKey: string;
    readonly tdkUnderMasterKey: string;
  },
): Promise<TerminalRecord> {
  return updateTerminal(
    db,
    terminalId,
    `pik_under_master_key = $2, mak_under_master_key = $3, tdk_under_master_key = $4, key_mode = $5,
     signed_in = true, last_signed_in_at = now()`,
    [keys.pikUnderMasterKey, keys.makUnderMasterKey, keys.tdkUnderMasterKey, keys.keyMode],
  );
}

export function markSignedOff(db: Queryable, terminalId: string): Promise<TerminalRecord> {
  return updateTerminal(db, terminalId, 'signed_in = false', []);
}

export function updateBatchNumber(db: Queryable, terminalId: string, batchNumber: string): Promise<TerminalRecord> {
  return updateTerminal(db, terminalId, 'batch_number = $2', [batchNumber]);
}

export function updateLocation(
  db: Queryable,
  terminalId: string,
  location: TerminalLocationRecord,
): Promise<TerminalRecord> {
  return updateTerminal(
    db,
    terminalId,
    `latitude_e6 = $2, longitude_e6 = $3, location_area_code = $4,
     location_reported_at = to_timestamp($5::double precision / 1000)`,
    [location.latitudeE6, location.longitudeE6, location.areaCode, location.reportedAtMs],
  );
}

/** Freezing or retiring drops the sign-in: the terminal must sign in again once usable. */
export function updateTerminalStatus(
  db: Queryable,
  terminalId: string,
  status: TerminalStatus,
): Promise<TerminalRecord> {
  return updateTerminal(db, terminalId, 'status = $2, signed_in = false', [status]);
}

export async function recordBinding(
  db: Queryable,
  entry: {
    readonly terminalId: string;
    readonly merchantId: string;
    readonly previousMerchantId: string | undefined;
    readonly action: 'assigned' | 'activated' | 'rebound';
    readonly actor: string;
    readonly reason: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO terminal_bindings (terminal_id, merchant_id, previous_merchant_id, action, actor, reason)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [entry.terminalId, entry.merchantId, entry.previousMerchantId ?? null, entry.action, entry.actor, entry.reason],
  );
}

/** Whether the terminal was ever re-bound: its next activation records rebound_at. */
export async function wasRebound(db: Queryable, terminalId: string): Promise<boolean> {
  const result = await db.query(
    `SELECT EXISTS (SELECT 1 FROM terminal_bindings WHERE terminal_id = $1 AND action = 'rebound') AS rebound`,
    [terminalId],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'EXISTS returns a row');
  return bool(row, 'rebound');
}
