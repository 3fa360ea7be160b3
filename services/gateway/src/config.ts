import { env } from '@acq/config';
import { platformVariables } from '@acq/service-kit';
import { AUTHORIZATION_STREAMS_MAX } from './limits.ts';
import { HTTP_LIMITS } from './transport/http/http-limits.ts';

export const gatewayConfigSchema = {
  GATEWAY_TCP_PORT: env.port({ description: 'Terminal ISO 8583 TCP port', default: 8583 }),
  GATEWAY_HTTP_PORT: env.port({ description: 'HTTP API port (also /healthz, /readyz, /metrics)', default: 8080 }),
  AUTHORIZATION_GRPC_URL: platformVariables.AUTHORIZATION_GRPC_URL,
  MERCHANT_GRPC_URL: platformVariables.MERCHANT_GRPC_URL,
  SETTLEMENT_GRPC_URL: platformVariables.SETTLEMENT_GRPC_URL,
  CARD_REGISTRY_GRPC_URL: platformVariables.CARD_REGISTRY_GRPC_URL,
  RISK_GRPC_URL: platformVariables.RISK_GRPC_URL,
  DATABASE_URL: platformVariables.DATABASE_URL,
  HSM_MASTER_KEY: platformVariables.HSM_MASTER_KEY,
  ACCESS_TOKEN_SECRET: platformVariables.ACCESS_TOKEN_SECRET,
  GATEWAY_AUTHORIZATION_STREAMS: env.integer({
    description: 'Long-lived authorization streams opened by this gateway',
    default: 2,
    min: 1,
    max: AUTHORIZATION_STREAMS_MAX,
  }),
  GATEWAY_HTTP_TOKEN_REQUESTS_PER_SECOND: env.integer({
    description: 'Sustained HTTP requests per second one access token subject may send; past it 429 with Retry-After',
    default: HTTP_LIMITS.tokenRequestsPerSecondMax,
    min: 1,
    max: HTTP_LIMITS.tokenRequestsPerSecondMax,
  }),
  GATEWAY_HTTP_TOKEN_BURST_REQUESTS: env.integer({
    description: 'HTTP requests a quiet access token subject may send at once before the sustained rate applies',
    default: HTTP_LIMITS.tokenBurstRequestsMax,
    min: 1,
    max: HTTP_LIMITS.tokenBurstRequestsMax,
  }),
  GATEWAY_TLS_CERT_FILE: env.string({
    description: 'PEM certificate chain: when set with GATEWAY_TLS_KEY_FILE, the terminal port and HTTP speak TLS only',
    default: '',
  }),
  GATEWAY_TLS_KEY_FILE: env.string({
    description: 'PEM private key of GATEWAY_TLS_CERT_FILE (a file path; the key itself never sits in the environment)',
    default: '',
  }),
  GATEWAY_ACQUIRER_INSTITUTION_ID: env.string({
    description: 'Field 32 sent to terminals: the acquirer institution code',
    default: '48020000',
    pattern: /^[0-9]{1,11}$/,
  }),
};
