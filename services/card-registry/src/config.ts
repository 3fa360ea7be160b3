/** Environment variables of the card-registry service (names, defaults for the local start, bounds). */
import { env } from '@acq/config';
import { platformVariables } from '@acq/service-kit';
import { LIMITS } from './limits.ts';

export const cardRegistryConfigSchema = {
  DATABASE_URL: platformVariables.DATABASE_URL,
  HSM_MASTER_KEY: platformVariables.HSM_MASTER_KEY,
  CARD_TOKEN_KEY: platformVariables.CARD_TOKEN_KEY,
  MERCHANT_GRPC_URL: platformVariables.MERCHANT_GRPC_URL,
  NETWORK_SIM_HTTP_URL: platformVariables.NETWORK_SIM_HTTP_URL,
  CARD_REGISTRY_GRPC_PORT: env.port({ description: 'card-registry gRPC port', default: 50054 }),
  CARD_REGISTRY_OPS_PORT: env.port({ description: 'card-registry /healthz, /readyz, /metrics port', default: 9105 }),
  CARD_REGISTRY_DB_SCHEMA: env.string({
    description: 'Postgres schema of the card registry',
    default: 'card_registry',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  }),
  CARD_REGISTRY_CHANGE_COOLDOWN_MS: env.integer({
    description: 'Minimum time between two completed settlement-card changes of a merchant',
    default: LIMITS.changeCooldownMsDefault,
    min: 0,
    max: LIMITS.changeCooldownMsMax,
  }),
  CARD_REGISTRY_T0_SUSPENSION_MS: env.integer({
    description: 'How long T0 stays suspended after a settlement-card change',
    default: LIMITS.t0SuspensionMsDefault,
    min: 0,
    max: LIMITS.t0SuspensionMsMax,
  }),
  CARD_REGISTRY_SMS_CODE_TTL_MS: env.integer({
    description: 'Lifetime of the SMS one-time code',
    default: LIMITS.smsCodeTimeToLiveMs,
    min: 30_000,
    max: LIMITS.smsCodeTimeToLiveMs,
  }),
  CARD_REGISTRY_SMS_ATTEMPTS_MAX: env.integer({
    description: 'Wrong SMS codes before the change fails',
    default: LIMITS.smsAttemptsMax,
    min: 1,
    max: LIMITS.smsAttemptsMax,
  }),
  CARD_REGISTRY_VERIFICATION_ATTEMPTS_MAX: env.integer({
    description: 'Wrong micro-deposit amounts before the change fails',
    default: LIMITS.verificationAttemptsMax,
    min: 1,
    max: LIMITS.verificationAttemptsMax,
  }),
  CARD_REGISTRY_AGREEMENT_VERSION: env.string({
    description: 'Version of the settlement-card agreement merchants sign (recorded with the signing time)',
    default: 'SCA-2026-01',
    pattern: /^[A-Za-z0-9._-]{1,32}$/,
  }),
};
