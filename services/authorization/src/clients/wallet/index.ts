export {
  answerOf,
  HttpWalletClient,
  type WalletAnswer,
  type WalletOrderInput,
  type WalletOrderView,
  type WalletPort,
  type WalletProviderName,
} from './wallet-client.ts';
