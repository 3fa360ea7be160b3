/** Environment variables of the settlement service (names, local-start defaults, bounds from limits.ts). */
import { env } from '@acq/config';
import { platformVariables } from '@acq/service-kit';
import { BANK_REQUEST_TIMEOUT_MS, DATABASE_POOL_SIZE_MAX, PAYOUT_CLAIM_LEASE_MS } from './limits.ts';

export const settlementConfigSchema = {
  DATABASE_URL: platformVariables.DATABASE_URL,
  HSM_MASTER_KEY: platformVariables.HSM_MASTER_KEY,
  MERCHANT_GRPC_URL: platformVariables.MERCHANT_GRPC_URL,
  CARD_REGISTRY_GRPC_URL: platformVariables.CARD_REGISTRY_GRPC_URL,
  NETWORK_SIM_HTTP_URL: platformVariables.NETWORK_SIM_HTTP_URL,
  SETTLEMENT_GRPC_PORT: env.port({ description: 'settlement gRPC port', default: 50055 }),
  SETTLEMENT_OPS_PORT: env.port({ description: 'settlement /healthz, /readyz, /metrics port', default: 9106 }),
  SETTLEMENT_DB_SCHEMA: env.string({
    description: 'Postgres schema of the settlement service',
    default: 'settlement',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  }),
  SETTLEMENT_DB_POOL_SIZE: env.integer({
    description: 'Postgres connections of one replica (appliers and leases hold one each)',
    default: DATABASE_POOL_SIZE_MAX,
    min: 12,
    max: DATABASE_POOL_SIZE_MAX,
  }),
  SETTLEMENT_CUTOFF: env.string({
    description: 'Daily clearing cutoff (HH:MM, Asia/Shanghai); later transactions book to the next day',
    default: '23:00',
    pattern: /^([01][0-9]|2[0-3]):[0-5][0-9]$/,
  }),
  SETTLEMENT_T1_RUN_AT: env.string({
    description: 'Local time (HH:MM, Asia/Shanghai) after which the T1 run pays a business day',
    default: '01:00',
    pattern: /^([01][0-9]|2[0-3]):[0-5][0-9]$/,
  }),
  SETTLEMENT_RECONCILIATION_RUN_AT: env.string({
    description: "Local time (HH:MM, Asia/Shanghai) after which yesterday's clearing and dispute files are reconciled",
    default: '06:00',
    pattern: /^([01][0-9]|2[0-3]):[0-5][0-9]$/,
  }),
  SETTLEMENT_T0_SINGLE_LIMIT_FEN: env.integer({
    description: 'Largest single T0 payout or D0 withdrawal, in fen, for merchants whose fee plan sets none',
    default: 5_000_000,
    min: 0,
    max: 100_000_000,
  }),
  SETTLEMENT_T0_DAILY_QUOTA_FEN: env.integer({
    description: 'T0 + D0 money one merchant may receive per day, in fen, for merchants whose fee plan sets none',
    default: 20_000_000,
    min: 0,
    max: 1_000_000_000,
  }),
  SETTLEMENT_BANK_TIMEOUT_MS: env.integer({
    description: 'Timeout of one bank rails call',
    default: BANK_REQUEST_TIMEOUT_MS,
    min: 100,
    max: BANK_REQUEST_TIMEOUT_MS,
  }),
  SETTLEMENT_PAYOUT_LEASE_MS: env.integer({
    description: 'How long a payout worker owns a claimed payout',
    default: PAYOUT_CLAIM_LEASE_MS,
    min: BANK_REQUEST_TIMEOUT_MS + 1_000,
    max: PAYOUT_CLAIM_LEASE_MS,
  }),
  SETTLEMENT_WALLET_MERCHANT_ID: env.string({
    description: 'The platform merchant id at the wallets, used for wallet bill repayments',
    default: 'acquirer-platform',
    pattern: /^[A-Za-z0-9_-]{1,32}$/,
  }),
};

/** `HH:MM` to minutes after midnight. */
export function minuteOfDay(text: string): number {
  const [hours, minutes] = text.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}
