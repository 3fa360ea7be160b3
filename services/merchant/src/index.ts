/**
 * For integration tests of other packages (the HTTP edge) that run a real merchant service in-process.
 * Production code reaches the merchant service only through merchant.proto.
 */
export {
  MIGRATIONS_DIRECTORY,
  type MerchantServiceOptions,
  type RunningMerchantService,
  startMerchantService,
} from './start-merchant-service.ts';
