/**
 * Test cards as the issuers see them. A card's balanceFen is its spendable line before holds: the
 * account balance of a debit card or the open-to-buy (remaining credit limit) of a credit card.
 * Pre-auth holds reserve part of it; availableFen = balanceFen - holdsFen.
 */
import { luhnCheckDigit } from '@acq/card-bins';
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';

export const CARD_KINDS = ['debit', 'credit'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

/** active, reported lost or stolen, expired by the issuer before its printed date, or frozen. */
export const CARD_STATUSES = ['active', 'lost', 'stolen', 'expired', 'frozen'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];

export interface CardHolder {
  readonly holderName: string | undefined;
  readonly idNumber: string | undefined;
  readonly phone: string | undefined;
  readonly bankName: string | undefined;
}

export interface Card {
  readonly pan: string;
  readonly expiry: string;
  readonly kind: CardKind;
  /** Issuer-side PIN of a test card; never serialized, logged or returned. */
  pin: string;
  balanceFen: Fen;
  holdsFen: Fen;
  status: CardStatus;
  wrongPinCount: number;
  /** Issuer's single-transaction limit (61 above it); undefined for none. */
  singleLimitFen: Fen | undefined;
  holder: CardHolder;
  readonly createdAtMs: number;
}

export const PAN_PATTERN = /^[0-9]{13,19}$/;
export const PIN_PATTERN = /^[0-9]{4,12}$/;
export const EXPIRY_PATTERN = /^[0-9]{2}(0[1-9]|1[0-2])$/;

export function availableFen(card: Card): Fen {
  const available = card.balanceFen - card.holdsFen;
  assert(card.holdsFen >= 0n, 'holds are never negative');
  return available as Fen;
}

export { luhnCheckDigit, passesLuhn as isLuhnValid, maskPan } from '@acq/card-bins';

/** True when the card's YYMM expiry is before the current YYMM (cards are valid through their month). */
export function isPastExpiry(expiry: string, currentYearMonth: string): boolean {
  assert(EXPIRY_PATTERN.test(expiry), 'expiry is YYMM');
  assert(/^[0-9]{4}$/.test(currentYearMonth), 'current month is YYMM');
  return expiry < currentYearMonth;
}

/** Issuer BINs used for generated PANs (UnionPay 62 range, 19-digit debit, 16-digit credit). */
export const GENERATED_BINS: Record<CardKind, { readonly bin: string; readonly length: number }> = {
  debit: { bin: '621700', length: 19 },
  credit: { bin: '625800', length: 16 },
};

/** A Luhn-valid PAN for kind whose account digits come from sequence (unique per sequence). */
export function generatedPan(kind: CardKind, sequence: number): string {
  const { bin, length } = GENERATED_BINS[kind];
  const accountLength = length - bin.length - 1;
  assert(Number.isSafeInteger(sequence) && sequence >= 0, 'sequence is a non-negative integer');
  const account = sequence.toString().padStart(accountLength, '0');
  assert(account.length === accountLength, 'sequence fits the account digits');
  const payload = `${bin}${account}`;
  return `${payload}${luhnCheckDigit(payload)}`;
}
