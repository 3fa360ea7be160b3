/** Environment variables of the authorization service (names, defaults for the local start, bounds). */
import { env } from '@acq/config';
import { platformVariables } from '@acq/service-kit';
import {
  COMPLETION_PERCENT_OF_PREAUTH_MAX,
  CONTACTLESS_NO_PIN_LIMIT_FEN_MAX,
  GROUP_COMMIT_ROWS_MAX,
  GROUP_COMMIT_WINDOW_MS_MAX,
  RISK_TIMEOUT_MS_MAX,
  STEP_TIMEOUT_MS_MAX,
  TRANSACTION_BUDGET_MS_MAX,
  UPSTREAM_TIMEOUT_MS_MAX,
} from './limits.ts';

export const authorizationConfigSchema = {
  DATABASE_URL: platformVariables.DATABASE_URL,
  HSM_MASTER_KEY: platformVariables.HSM_MASTER_KEY,
  CARD_TOKEN_KEY: platformVariables.CARD_TOKEN_KEY,
  MERCHANT_GRPC_URL: platformVariables.MERCHANT_GRPC_URL,
  RISK_GRPC_URL: platformVariables.RISK_GRPC_URL,
  NETWORK_SIM_ISO_URL: platformVariables.NETWORK_SIM_ISO_URL,
  AUTHORIZATION_GRPC_PORT: env.port({ description: 'authorization gRPC port', default: 50051 }),
  AUTHORIZATION_OPS_PORT: env.port({ description: 'authorization /healthz, /readyz, /metrics port', default: 9102 }),
  AUTHORIZATION_DB_SCHEMA: env.string({
    description: 'Postgres schema of the authorization service',
    default: 'authorization',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  }),
  AUTHORIZATION_INSTANCE_ID: env.integer({
    description: 'Replica number 0-99: first two digits of the RRNs it issues and its cache consumer group',
    default: 1,
    min: 0,
    max: 99,
  }),
  AUTHORIZATION_TRANSACTION_BUDGET_MS: env.integer({
    description: 'Total time one transaction may take inside the service (below the terminal 60 s)',
    default: 40_000,
    min: 1_000,
    max: TRANSACTION_BUDGET_MS_MAX,
  }),
  AUTHORIZATION_STEP_TIMEOUT_MS: env.integer({
    description: 'Per-step budget of pipeline steps other than the network call',
    default: 2_000,
    min: 10,
    max: STEP_TIMEOUT_MS_MAX,
  }),
  AUTHORIZATION_UPSTREAM_TIMEOUT_MS: env.integer({
    description: 'Wait for the card network before answering 98 and reversing',
    default: 20_000,
    min: 100,
    max: UPSTREAM_TIMEOUT_MS_MAX,
  }),
  RISK_TIMEOUT_MS: env.integer({
    description: 'Budget of the risk assessment inside a transaction',
    default: 20,
    min: 1,
    max: RISK_TIMEOUT_MS_MAX,
  }),
  RISK_FAIL_OPEN: env.boolean({
    description: 'true: approve without risk when it does not answer in time; false (default): decline 96',
    default: false,
  }),
  CONTACTLESS_NO_PIN_LIMIT_FEN: env.integer({
    description: 'Contactless small-amount limit without PIN, in fen (1,000 CNY = 100000)',
    default: Number(CONTACTLESS_NO_PIN_LIMIT_FEN_MAX),
    min: 0,
    max: Number(CONTACTLESS_NO_PIN_LIMIT_FEN_MAX),
  }),
  COMPLETION_PERCENT_OF_PREAUTH_MAX: env.integer({
    description: 'Largest pre-auth completion as a percentage of the pre-authorized amount',
    default: Number(COMPLETION_PERCENT_OF_PREAUTH_MAX),
    min: 100,
    max: Number(COMPLETION_PERCENT_OF_PREAUTH_MAX),
  }),
  ACQUIRER_INSTITUTION_ID: env.string({
    description: 'Acquiring institution id sent upstream in field 32',
    default: '48020000',
    pattern: /^[0-9]{1,11}$/,
  }),
  NETWORK_ZPK_UNDER_MASTER_KEY: env.string({
    description: 'Network zone PIN key under HSM_MASTER_KEY (hex); "derived" = the documented dev ZPK',
    default: 'derived',
    pattern: /^(derived|[0-9A-Fa-f]{32}|[0-9A-Fa-f]{48})$/,
  }),
  GROUP_COMMIT_WINDOW_MS: env.integer({
    description: 'Group commit: how long rows are collected before one write',
    default: GROUP_COMMIT_WINDOW_MS_MAX,
    min: 0,
    max: GROUP_COMMIT_WINDOW_MS_MAX,
  }),
  GROUP_COMMIT_ROWS_MAX: env.integer({
    description: 'Group commit: rows per write at most',
    default: GROUP_COMMIT_ROWS_MAX,
    min: 1,
    max: GROUP_COMMIT_ROWS_MAX,
  }),
};
