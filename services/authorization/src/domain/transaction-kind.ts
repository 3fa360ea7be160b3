/** Transaction kinds the authorization service handles, and the facts each kind implies. */
export const TRANSACTION_KINDS = [
  'balance_inquiry',
  'purchase',
  'void',
  'refund',
  'preauth',
  'preauth_void',
  'completion',
  'completion_void',
  'reversal',
  'batch_settlement',
  'batch_upload',
] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/** Kinds that refer to an earlier transaction of this terminal (field 61 / original data elements). */
export const ORIGINAL_KIND_BY_KIND: Readonly<Partial<Record<TransactionKind, readonly TransactionKind[]>>> = {
  void: ['purchase'],
  refund: ['purchase', 'completion'],
  preauth_void: ['preauth'],
  completion: ['preauth'],
  completion_void: ['completion'],
  reversal: ['purchase', 'void', 'refund', 'preauth', 'preauth_void', 'completion', 'completion_void'],
};

/** Kinds that carry card data and go to the card network. */
export function goesUpstream(kind: TransactionKind): boolean {
  return kind !== 'batch_settlement' && kind !== 'batch_upload' && kind !== 'reversal';
}

/** Kinds whose approval moves or holds money (and so need an intent row before going upstream). */
export function movesMoney(kind: TransactionKind): boolean {
  return goesUpstream(kind) && kind !== 'balance_inquiry';
}

/** Kinds that cancel their original completely. */
export function cancelsOriginal(kind: TransactionKind): boolean {
  return kind === 'void' || kind === 'preauth_void' || kind === 'completion_void';
}

/** The sign of the kind in batch totals: debits (money to the merchant), credits (money back). */
export function batchTotalSide(kind: TransactionKind): 'debit' | 'credit' | 'none' {
  if (kind === 'purchase' || kind === 'completion') return 'debit';
  if (kind === 'refund') return 'credit';
  return 'none';
}
