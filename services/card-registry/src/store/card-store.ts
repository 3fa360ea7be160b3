/**
 * Settlement cards and the per-merchant state row. Every write of a merchant's cards first locks its
 * state row (lockMerchantState), so a bind, a change and an unbind of one merchant never interleave.
 */
import { assert } from '@acq/assert';
import { advisoryKey } from '@acq/db';
import type { AccountKind } from '../domain/change-policy.ts';
import { msOf, type Queryable } from './queryable.ts';

export type CardStatus = 'active' | 'retired' | 'unbound';

export type SettlementCardRecord = {
  readonly cardId: string;
  readonly merchantId: string;
  readonly cardVersion: bigint;
  readonly cardToken: string;
  readonly accountNumberSealed: string;
  readonly accountNumberMasked: string;
  readonly holderName: string;
  readonly bankCode: string;
  readonly bankName: string;
  readonly accountKind: AccountKind;
  readonly status: CardStatus;
  readonly changeId: string | null;
  readonly activeFromMs: number;
  readonly retiredAtMs: number;
  readonly t0SuspendedUntilMs: number;
};

export type MerchantCardState = {
  readonly merchantId: string;
  readonly cardVersionLast: bigint;
  readonly lastChangeActivatedAtMs: number | undefined;
  readonly onboardingBindHandled: boolean;
};

type CardRow = {
  card_id: string;
  merchant_id: string;
  card_version: bigint;
  card_token: string;
  account_number_sealed: string;
  account_number_masked: string;
  holder_name: string;
  bank_code: string;
  bank_name: string;
  account_kind: AccountKind;
  status: CardStatus;
  change_id: string | null;
  active_from: Date;
  retired_at: Date | null;
  t0_suspended_until: Date | null;
};

function cardOf(row: CardRow): SettlementCardRecord {
  assert(typeof row.card_version === 'bigint', 'int8 columns arrive as bigint');
  return {
    cardId: row.card_id,
    merchantId: row.merchant_id,
    cardVersion: row.card_version,
    cardToken: row.card_token,
    accountNumberSealed: row.account_number_sealed,
    accountNumberMasked: row.account_number_masked,
    holderName: row.holder_name,
    bankCode: row.bank_code,
    bankName: row.bank_name,
    accountKind: row.account_kind,
    status: row.status,
    changeId: row.change_id,
    activeFromMs: row.active_from.getTime(),
    retiredAtMs: msOf(row.retired_at),
    t0SuspendedUntilMs: msOf(row.t0_suspended_until),
  };
}

/** Creates the merchant's state row if needed and locks it for the rest of the transaction. */
export async function lockMerchantState(
  client: Queryable,
  merchantId: string,
  nowMs: number,
): Promise<MerchantCardState> {
  await client.query(
    `INSERT INTO merchant_card_states (merchant_id, updated_at) VALUES ($1, $2) ON CONFLICT (merchant_id) DO NOTHING`,
    [merchantId, new Date(nowMs)],
  );
  const result = await client.query<{
    card_version_last: bigint;
    last_change_activated_at: Date | null;
    onboarding_bind_handled: boolean;
  }>(
    `SELECT card_version_last, last_change_activated_at, onboarding_bind_handled
       FROM merchant_card_states WHERE merchant_id = $1 FOR UPDATE`,
    [merchantId],
  );
  const row = result.rows[0];
  assert(row !== undefined, 'the merchant state row exists after the upsert');
  return {
    merchantId,
    cardVersionLast: row.card_version_last,
    lastChangeActivatedAtMs: row.last_change_activated_at?.getTime(),
    onboardingBindHandled: row.onboarding_bind_handled,
  };
}

export async function readMerchantState(client: Queryable, merchantId: string): Promise<MerchantCardState | undefined> {
  const result = await client.query<{
    card_version_last: bigint;
    last_change_activated_at: Date | null;
    onboarding_bind_handled: boolean;
  }>(
    `SELECT card_version_last, last_change_activated_at, onboarding_bind_handled
       FROM merchant_card_states WHERE merchant_id = $1`,
    [merchantId],
  );
  const row = result.rows[0];
  if (row === undefined) return undefined;
  return {
    merchantId,
    cardVersionLast: row.card_version_last,
    lastChangeActivatedAtMs: row.last_change_activated_at?.getTime(),
    onboardingBindHandled: row.onboarding_bind_handled,
  };
}

export async function markOnboardingBindHandled(client: Queryable, merchantId: string, nowMs: number): Promise<void> {
  const result = await client.query(
    `UPDATE merchant_card_states SET onboarding_bind_handled = true, updated_at = $2 WHERE merchant_id = $1`,
    [merchantId, new Date(nowMs)],
  );
  assert(result.rowCount === 1, 'the locked merchant state row is updated');
}

/** The card active at `asOfMs`: bound at or before it and not retired by then. */
export async function findCardActiveAt(
  client: Queryable,
  merchantId: string,
  asOfMs: number,
): Promise<SettlementCardRecord | undefined> {
  const result = await client.query<CardRow>(
    `SELECT * FROM settlement_cards
      WHERE merchant_id = $1 AND active_from <= $2 AND (retired_at IS NULL OR retired_at > $2)
      ORDER BY card_version DESC LIMIT 1`,
    [merchantId, new Date(asOfMs)],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : cardOf(row);
}

export async function findActiveCard(client: Queryable, merchantId: string): Promise<SettlementCardRecord | undefined> {
  const result = await client.query<CardRow>(
    `SELECT * FROM settlement_cards WHERE merchant_id = $1 AND status = 'active'`,
    [merchantId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : cardOf(row);
}

/**
 * Serialises activations of one card across merchants until the transaction ends, so two merchants
 * cannot both pass the shared-card check for the same card at once. Taken after the merchant lock.
 */
export async function lockCardToken(client: Queryable, cardToken: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
    advisoryKey(`card-registry/card/${cardToken}`).toString(),
  ]);
}

/** Merchants other than `merchantId` currently paid to the card with this token. */
export async function otherMerchantsWithActiveCard(
  client: Queryable,
  cardToken: string,
  merchantId: string,
): Promise<number> {
  const result = await client.query<{ merchant_count: number }>(
    `SELECT count(*)::int AS merchant_count FROM settlement_cards
      WHERE card_token = $1 AND status = 'active' AND merchant_id <> $2`,
    [cardToken, merchantId],
  );
  return result.rows[0]?.merchant_count ?? 0;
}

export type NewCard = Omit<SettlementCardRecord, 'cardVersion' | 'status' | 'retiredAtMs'>;

/**
 * Retires the merchant's active card (if any) and activates `card` at the same instant, with the next
 * card version. The caller holds the merchant state lock. Returns the retired card.
 */
export async function activateCard(
  client: Queryable,
  state: MerchantCardState,
  card: NewCard,
  countsAsChange: boolean,
): Promise<{ readonly card: SettlementCardRecord; readonly retired: SettlementCardRecord | undefined }> {
  assert(card.merchantId === state.merchantId, 'the card belongs to the locked merchant');
  const at = new Date(card.activeFromMs);
  const retiredRows = await client.query<CardRow>(
    `UPDATE settlement_cards SET status = 'retired', retired_at = $2
      WHERE merchant_id = $1 AND status = 'active' RETURNING *`,
    [card.merchantId, at],
  );
  assert(retiredRows.rows.length <= 1, 'a merchant has at most one active card');
  const cardVersion = state.cardVersionLast + 1n;
  const inserted = await client.query<CardRow>(
    `INSERT INTO settlement_cards (card_id, merchant_id, card_version, card_token, account_number_sealed,
       account_number_masked, holder_name, bank_code, bank_name, account_kind, status, change_id, active_from,
       t0_suspended_until)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $12, $13) RETURNING *`,
    [
      card.cardId,
      card.merchantId,
      cardVersion.toString(),
      card.cardToken,
      card.accountNumberSealed,
      card.accountNumberMasked,
      card.holderName,
      card.bankCode,
      card.bankName,
      card.accountKind,
      card.changeId,
      at,
      card.t0SuspendedUntilMs === 0 ? null : new Date(card.t0SuspendedUntilMs),
    ],
  );
  await client.query(
    `UPDATE merchant_card_states SET card_version_last = $2, updated_at = $3,
       last_change_activated_at = CASE WHEN $4::boolean THEN $3 ELSE last_change_activated_at END
     WHERE merchant_id = $1`,
    [card.merchantId, cardVersion.toString(), at, countsAsChange],
  );
  const activated = inserted.rows[0];
  assert(activated !== undefined, 'the new card row is returned');
  const retired = retiredRows.rows[0];
  return { card: cardOf(activated), retired: retired === undefined ? undefined : cardOf(retired) };
}

export async function unbindActiveCard(
  client: Queryable,
  merchantId: string,
  nowMs: number,
): Promise<SettlementCardRecord | undefined> {
  const result = await client.query<CardRow>(
    `UPDATE settlement_cards SET status = 'unbound', retired_at = $2
      WHERE merchant_id = $1 AND status = 'active' RETURNING *`,
    [merchantId, new Date(nowMs)],
  );
  assert(result.rows.length <= 1, 'a merchant has at most one active card');
  const row = result.rows[0];
  return row === undefined ? undefined : cardOf(row);
}
