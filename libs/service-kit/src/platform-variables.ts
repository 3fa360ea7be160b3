import { env, optional } from '@acq/config';

/**
 * Variables several services read, declared once so their names, defaults and descriptions agree.
 * A service picks the ones it needs into its own schema: `{ DATABASE_URL: platformVariables.DATABASE_URL }`.
 * The defaults are the local start's; production sets every one of them.
 */
export const platformVariables = {
  DATABASE_URL: env.url({
    description: 'PostgreSQL URL (each service uses its own schema in it)',
    protocols: ['postgres:', 'postgresql:'],
    default: 'postgres://postgres@127.0.0.1:5432/postgres',
  }),
  REDIS_URL: env.url({ description: 'Redis URL', protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379' }),
  KAFKA_BROKERS: optional(
    env.list({ description: 'Kafka bootstrap brokers (host:port,...); unset = the durable Postgres event log' }),
  ),
  HSM_MASTER_KEY: env.hex({
    description: 'Local master key (3DES, 16 bytes) of the software HSM: every stored key is encrypted under it',
    bytes: 16,
    secret: true,
    default: '0123456789ABCDEFFEDCBA9876543210',
  }),
  CARD_TOKEN_KEY: env.hex({
    description: 'HMAC key turning a PAN into its card token (same on every service that tokenises)',
    bytes: 32,
    secret: true,
    default: '00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF',
  }),
  ACCESS_TOKEN_SECRET: env.string({
    description: 'HMAC secret signing HTTP API access tokens',
    secret: true,
    default: 'dev-access-token-secret-change-me',
  }),
  AUTHORIZATION_GRPC_URL: env.address({ description: 'authorization gRPC address', default: '127.0.0.1:50051' }),
  RISK_GRPC_URL: env.address({ description: 'risk gRPC address', default: '127.0.0.1:50052' }),
  MERCHANT_GRPC_URL: env.address({ description: 'merchant gRPC address', default: '127.0.0.1:50053' }),
  CARD_REGISTRY_GRPC_URL: env.address({ description: 'card-registry gRPC address', default: '127.0.0.1:50054' }),
  SETTLEMENT_GRPC_URL: env.address({ description: 'settlement gRPC address', default: '127.0.0.1:50055' }),
  NETWORK_SIM_HTTP_URL: env.url({
    description: 'network-sim HTTP API (bank rails, wallets, identity, SMS in development)',
    protocols: ['http:', 'https:'],
    default: 'http://127.0.0.1:8601',
  }),
  NETWORK_SIM_ISO_URL: env.address({
    description: 'Card network ISO 8583 link (network-sim in development)',
    default: '127.0.0.1:8602',
  }),
};
