/** SQL for merchant QR codes. */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { QR_KINDS } from '../domain/qr-code.ts';
import type { Queryable } from './queryable.ts';
import type { QrCodeRecord } from './records.ts';
import { epochMs, firstRow, int, oneOf, optionalEpochMs, optionalMoney, type Row, text } from './row-mapping.ts';

const STORED_QR_STATUSES = ['active', 'revoked', 'used'] as const;

function qrFromRow(row: Row): QrCodeRecord {
  return {
    qrCodeId: text(row, 'qr_code_id'),
    merchantId: text(row, 'merchant_id'),
    kind: oneOf(row, 'kind', QR_KINDS),
    status: oneOf(row, 'status', STORED_QR_STATUSES),
    token: text(row, 'token'),
    amountFen: optionalMoney(row, 'amount_fen'),
    expiresAtMs: optionalEpochMs(row, 'expires_at'),
    description: text(row, 'description'),
    createdAtMs: epochMs(row, 'created_at'),
  };
}

export async function insertQrCode(
  db: Queryable,
  input: {
    readonly qrCodeId: string;
    readonly merchantId: string;
    readonly kind: 'static' | 'dynamic';
    readonly token: string;
    readonly amountFen: Fen | undefined;
    readonly expiresAtMs: number | undefined;
    readonly description: string;
  },
): Promise<QrCodeRecord> {
  const result = await db.query(
    `INSERT INTO qr_codes (qr_code_id, merchant_id, kind, token, amount_fen, expires_at, description)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::double precision IS NULL THEN NULL ELSE to_timestamp($6::double precision / 1000) END, $7)
     RETURNING *`,
    [
      input.qrCodeId,
      input.merchantId,
      input.kind,
      input.token,
      input.amountFen ?? null,
      input.expiresAtMs ?? null,
      input.description,
    ],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'INSERT RETURNING returns the row');
  return qrFromRow(row);
}

export async function countActiveQrCodes(db: Queryable, merchantId: string): Promise<number> {
  const result = await db.query(
    `SELECT count(*)::int AS active_count FROM qr_codes
      WHERE merchant_id = $1 AND status = 'active' AND (expires_at IS NULL OR expires_at > now())`,
    [merchantId],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'count returns a row');
  return int(row, 'active_count');
}

export async function listQrCodes(db: Queryable, merchantId: string, rowsMax: number): Promise<QrCodeRecord[]> {
  const result = await db.query('SELECT * FROM qr_codes WHERE merchant_id = $1 ORDER BY created_at DESC LIMIT $2', [
    merchantId,
    rowsMax,
  ]);
  return result.rows.map(qrFromRow);
}

export async function findQrCode(
  db: Queryable,
  key: { readonly qrCodeId: string } | { readonly token: string },
  lock: 'for_update' | 'none',
): Promise<QrCodeRecord | undefined> {
  const suffix = lock === 'for_update' ? ' FOR UPDATE' : '';
  const [column, value] = 'qrCodeId' in key ? ['qr_code_id', key.qrCodeId] : ['token', key.token];
  const result = await db.query(`SELECT * FROM qr_codes WHERE ${column} = $1${suffix}`, [value]);
  const row = firstRow(result.rows);
  return row === undefined ? undefined : qrFromRow(row);
}

export async function updateQrStatus(
  db: Queryable,
  qrCodeId: string,
  status: 'revoked' | 'used',
): Promise<QrCodeRecord> {
  const result = await db.query(
    `UPDATE qr_codes SET status = $2, used_at = CASE WHEN $2 = 'used' THEN now() ELSE used_at END
      WHERE qr_code_id = $1 AND status = 'active' RETURNING *`,
    [qrCodeId, status],
  );
  const row = firstRow(result.rows);
  assert(row !== undefined, 'the QR code was locked while active');
  return qrFromRow(row);
}
