/** Environment variables of the merchant service (names, defaults for the local start, bounds). */
import { env } from '@acq/config';
import { platformVariables } from '@acq/service-kit';
import { LIMITS } from './limits.ts';

export const merchantConfigSchema = {
  DATABASE_URL: platformVariables.DATABASE_URL,
  HSM_MASTER_KEY: platformVariables.HSM_MASTER_KEY,
  MERCHANT_GRPC_PORT: env.port({ description: 'merchant gRPC port', default: 50053 }),
  MERCHANT_OPS_PORT: env.port({ description: 'merchant /healthz, /readyz, /metrics port', default: 9104 }),
  MERCHANT_DB_SCHEMA: env.string({
    description: 'Postgres schema of the merchant service',
    default: 'merchant',
    pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  }),
  MERCHANT_ACQUIRER_CODE: env.string({
    description: 'The 3-digit acquirer code that opens every 15-digit merchant number',
    default: '898',
    pattern: /^[0-9]{3}$/,
  }),
  MERCHANT_ACTIVATION_CODE_SECRET: env.hex({
    description: 'HMAC key for stored terminal activation code hashes',
    bytes: 32,
    secret: true,
    default: '5f1c0a7e9b3d42c68e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f',
  }),
  MERCHANT_QR_BASE_URL: env.url({
    description: 'Base URL encoded in merchant QR codes (the wallet-facing QR host)',
    protocols: ['https:', 'http:'],
    default: 'https://qr.acquirer.local/q',
  }),
  MERCHANT_ACTIVATION_CODE_TTL_MS: env.integer({
    description: 'How long a terminal activation code stays valid',
    default: LIMITS.activationCodeTimeToLiveMs,
    min: 60_000,
    max: LIMITS.activationCodeTimeToLiveMs,
  }),
  MERCHANT_ACTIVATION_ATTEMPTS_MAX: env.integer({
    description: 'Wrong activation codes before a code locks',
    default: LIMITS.activationAttemptsMax,
    min: 1,
    max: LIMITS.activationAttemptsMax,
  }),
  MERCHANT_TERMINALS_PER_MERCHANT_MAX: env.integer({
    description: 'Terminals one merchant may hold',
    default: LIMITS.terminalsPerMerchantMax,
    min: 1,
    max: LIMITS.terminalsPerMerchantMax,
  }),
};
