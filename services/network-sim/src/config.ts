/**
 * Environment configuration of the network simulator. Every variable has a working default for the
 * local start; README.md lists them. Knob defaults that are limits may only be lowered.
 */
import { assert } from '@acq/assert';
import { ConfigError, type ConfigOf, env, loadConfig } from '@acq/config';
import { platformVariables } from '@acq/service-kit';
import { LIMITS } from './limits.ts';

/** 300,000 approvals (about 270 MB) hold 75 s of a 4,000/s benchmark plus every test suite's day. */
const APPROVALS_RETAINED_DEFAULT = 300_000;

/** The simulator's own variables; LOG_LEVEL and the other common ones come from @acq/service-kit. */
export const networkSimConfigSchema = {
  NETWORK_SIM_HTTP_PORT: env.port({ description: 'HTTP admin API, health and metrics', default: 8601 }),
  NETWORK_SIM_ISO_PORT: env.port({ description: 'ISO 8583 upstream TCP port (card network)', default: 8602 }),
  NETWORK_SIM_HOST: env.string({ description: 'Address both listeners bind to', default: '0.0.0.0' }),
  HSM_MASTER_KEY: platformVariables.HSM_MASTER_KEY,
  NETWORK_ZPK_UNDER_MASTER_KEY: env.string({
    description:
      'Zone PIN key (ZPK) shared with the authorization service, encrypted under HSM_MASTER_KEY (hex); "derived" derives the documented dev ZPK from the master key',
    default: 'derived',
    pattern: /^(derived|[0-9A-Fa-f]{32}|[0-9A-Fa-f]{48})$/,
    secret: true,
  }),
  NETWORK_SIM_SEED_CARDS: env.boolean({ description: 'Seed the documented test cards at start', default: true }),
  NETWORK_SIM_ACQUIRER_ID: env.string({
    description: 'Network institution id written in the clearing file header',
    default: '48020000',
    pattern: /^[0-9]{1,11}$/,
  }),
  WALLET_CALLBACK_URL: env.url({
    description: 'Default platform URL for wallet callbacks; {provider} is replaced by wechat, alipay or unionpay',
    default: 'http://127.0.0.1:8080/v1/qr/callbacks/{provider}',
    protocols: ['http:', 'https:'],
  }),
  WALLET_CALLBACK_SECRET: env.string({
    description: 'HMAC-SHA256 key signing wallet callbacks (the platform verifies with the same key)',
    default: 'dev-wallet-callback-secret',
    secret: true,
  }),
  NETWORK_SIM_APPROVALS_RETAINED_MAX: env.integer({
    description: 'Approved transactions kept in memory, about 900 bytes each (oldest evicted first)',
    default: APPROVALS_RETAINED_DEFAULT,
    min: 1,
    max: LIMITS.approvalsRetainedMax,
  }),
};

export type NetworkSimConfig = ConfigOf<typeof networkSimConfigSchema>;

/** Rules across variables, checked after each variable parsed on its own. */
export function validateNetworkSimConfig(config: NetworkSimConfig): void {
  if (config.NETWORK_SIM_HTTP_PORT === config.NETWORK_SIM_ISO_PORT) {
    throw new ConfigError(['NETWORK_SIM_HTTP_PORT and NETWORK_SIM_ISO_PORT must differ']);
  }
  assert(config.NETWORK_SIM_APPROVALS_RETAINED_MAX <= LIMITS.approvalsRetainedMax, 'config may only lower a limit');
}

export function loadNetworkSimConfig(source: NodeJS.ProcessEnv = process.env): NetworkSimConfig {
  const config = loadConfig(networkSimConfigSchema, source);
  validateNetworkSimConfig(config);
  return config;
}
