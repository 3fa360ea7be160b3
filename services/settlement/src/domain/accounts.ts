/**
 * The account model (README "Account model"). Account ids are structured text so an account can be
 * created on first use from its id alone: `mch:<merchantId>:<kind>` or `sys:<kind>:<shard>`.
 * System accounts are split into SYSTEM_ACCOUNT_SHARD_COUNT shards chosen by a hash of the merchant
 * id, so no single row serialises every write; reports sum the shards.
 */
import { createHash } from 'node:crypto';
import { assert } from '@acq/assert';
import { SYSTEM_ACCOUNT_SHARD_COUNT } from '../limits.ts';

export const MERCHANT_ACCOUNT_KINDS = ['pending', 'available', 'payable', 'arrears'] as const;
export type MerchantAccountKind = (typeof MERCHANT_ACCOUNT_KINDS)[number];
export const SYSTEM_ACCOUNT_KINDS = [
  'network_receivable',
  'fee_income',
  'bank_cash',
  'reconciliation_adjustments',
] as const;
export type SystemAccountKind = (typeof SYSTEM_ACCOUNT_KINDS)[number];

export type AccountSpec = {
  readonly id: string;
  readonly merchantId: string | null;
  readonly kind: MerchantAccountKind | SystemAccountKind;
  readonly normalSide: 'debit' | 'credit';
  readonly mustNotGoNegative: boolean;
};

const MERCHANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isMerchantId(text: string): boolean {
  return MERCHANT_ID_PATTERN.test(text);
}

export function merchantAccountId(merchantId: string, kind: MerchantAccountKind): string {
  assert(isMerchantId(merchantId), 'merchant ids are plain tokens');
  return `mch:${merchantId}:${kind}`;
}

export function systemShardOf(merchantId: string): number {
  const digest = createHash('sha256').update(merchantId).digest();
  return digest.readUInt32BE(0) % SYSTEM_ACCOUNT_SHARD_COUNT;
}

export function systemAccountId(kind: SystemAccountKind, merchantId: string): string {
  return systemAccountIdOfShard(kind, systemShardOf(merchantId));
}

export function systemAccountIdOfShard(kind: SystemAccountKind, shard: number): string {
  assert(shard >= 0 && shard < SYSTEM_ACCOUNT_SHARD_COUNT, 'shard within range');
  return `sys:${kind}:${String(shard).padStart(2, '0')}`;
}

const MERCHANT_NORMAL_SIDE: Record<MerchantAccountKind, 'debit' | 'credit'> = {
  pending: 'credit',
  available: 'credit',
  payable: 'credit',
  arrears: 'debit',
};
const SYSTEM_NORMAL_SIDE: Record<SystemAccountKind, 'debit' | 'credit'> = {
  network_receivable: 'debit',
  fee_income: 'credit',
  bank_cash: 'debit',
  reconciliation_adjustments: 'debit',
};

/** Parses an account id into its spec; undefined for ids outside the model. */
export function accountSpecOf(id: string): AccountSpec | undefined {
  const parts = id.split(':');
  if (parts.length !== 3) return undefined;
  const [scope, middle, last] = parts as [string, string, string];
  if (scope === 'mch') {
    const kind = MERCHANT_ACCOUNT_KINDS.find((candidate) => candidate === last);
    if (kind === undefined || !isMerchantId(middle)) return undefined;
    return { id, merchantId: middle, kind, normalSide: MERCHANT_NORMAL_SIDE[kind], mustNotGoNegative: true };
  }
  if (scope === 'sys') {
    const kind = SYSTEM_ACCOUNT_KINDS.find((candidate) => candidate === middle);
    const shard = Number(last);
    if (kind === undefined || !/^\d{2}$/.test(last) || shard >= SYSTEM_ACCOUNT_SHARD_COUNT) return undefined;
    return { id, merchantId: null, kind, normalSide: SYSTEM_NORMAL_SIDE[kind], mustNotGoNegative: false };
  }
  return undefined;
}

const TRANSFER_ID_NAMESPACE = 'acquirer.settlement.transfer';

/**
 * A deterministic UUID (RFC 9562 version 5 layout over SHA-1) from a business key such as
 * `capture:<txnId>:merchant`, so replaying the same event produces the same transfer ids and the
 * ledger turns the replay into a no-op.
 */
export function transferIdFor(businessKey: string): string {
  assert(businessKey.length > 0 && businessKey.length <= 512, 'transfer business keys are bounded');
  const digest = createHash('sha1').update(TRANSFER_ID_NAMESPACE).update('\u0000').update(businessKey).digest();
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
