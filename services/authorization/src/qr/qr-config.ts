/** Environment variables of the QR payment module (read by the authorization service at start-up). */
import { env, loadConfig } from '@acq/config';
import { platformVariables } from '@acq/service-kit';

export const qrConfigSchema = {
  NETWORK_SIM_HTTP_URL: platformVariables.NETWORK_SIM_HTTP_URL,
  WALLET_CALLBACK_URL: env.string({
    description: 'URL the wallet providers notify; {provider} becomes wechat, alipay or unionpay',
    default: 'http://127.0.0.1:8080/v1/qr/callbacks/{provider}',
    pattern: /^https?:\/\/.*\{provider\}/,
  }),
  WALLET_CALLBACK_SECRET: env.string({
    description: 'HMAC-SHA256 key the providers sign their callbacks with',
    default: 'dev-wallet-callback-secret',
    secret: true,
  }),
};

export interface QrModuleConfig {
  readonly walletBaseUrl: string;
  readonly callbackUrlTemplate: string;
  readonly callbackSecret: string;
}

export function loadQrConfig(source: NodeJS.ProcessEnv): QrModuleConfig {
  const config = loadConfig(qrConfigSchema, source);
  return {
    walletBaseUrl: String(config.NETWORK_SIM_HTTP_URL),
    callbackUrlTemplate: config.WALLET_CALLBACK_URL,
    callbackSecret: config.WALLET_CALLBACK_SECRET,
  };
}
