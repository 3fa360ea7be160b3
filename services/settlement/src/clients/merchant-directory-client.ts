/** The merchant service over gRPC (GetMerchant), mapped to the settlement profile settlement keeps locally. */
import { assert } from '@acq/assert';
import { callUnary, createClient, ServiceError } from '@acq/grpc';
import { fen } from '@acq/money';
import { type Merchant, MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import type { MerchantDirectoryPort, MerchantProfile } from '../domain/settlement-events.ts';

/** The platform's T0 limits (configuration) for merchants whose fee plan carries none of its own. */
export type T0LimitDefaults = { readonly singleLimitFen: bigint; readonly dailyQuotaFen: bigint };

/**
 * A merchant that is not active gets no T0: frozen or closed merchants are settled T1 only. The T0
 * single limit and daily quota are the merchant's own (its fee plan), each falling back to the
 * platform default when the plan has none.
 */
export function merchantProfileOf(merchant: Merchant, limits: T0LimitDefaults): MerchantProfile {
  const plan = merchant.feePlan;
  assert(plan !== undefined, 'merchants carry a fee plan');
  const singleLimitFen = plan.t0SingleLimitFen ?? limits.singleLimitFen;
  const dailyQuotaFen = plan.t0DailyQuotaFen ?? limits.dailyQuotaFen;
  assert(plan.t0SingleLimitFen === undefined || plan.t0SingleLimitFen > 0n, 'a merchant T0 single limit is positive');
  assert(plan.t0DailyQuotaFen === undefined || plan.t0DailyQuotaFen > 0n, 'a merchant T0 daily quota is positive');
  return {
    merchantId: merchant.merchantId,
    merchantNumber: merchant.merchantNumber,
    merchantName: merchant.businessName === '' ? merchant.legalName : merchant.businessName,
    feePlan: {
      category: plan.category,
      debitRateUnits: plan.debitRateUnits,
      debitCapFen: fen(plan.debitCapFen),
      creditRateUnits: plan.creditRateUnits,
      t0RateUnits: plan.t0RateUnits,
      t0FixedFen: fen(plan.t0FixedFen),
    },
    t0Enabled: merchant.t0Enabled && merchant.status === 'active',
    t0SingleLimitFen: fen(singleLimitFen),
    t0DailyQuotaFen: fen(dailyQuotaFen),
    t0SuspendedUntilMs: null,
    contextVersion: merchant.contextVersion,
  };
}

export class MerchantDirectoryClient implements MerchantDirectoryPort {
  readonly #client: MerchantServiceClient;
  readonly #timeoutMs: number;
  readonly #limits: T0LimitDefaults;

  constructor(address: string, timeoutMs: number, limits: T0LimitDefaults) {
    this.#client = createClient(MerchantServiceClient, address);
    this.#timeoutMs = timeoutMs;
    this.#limits = limits;
  }

  async merchantProfile(merchantId: string): Promise<MerchantProfile | undefined> {
    try {
      const merchant = await callUnary(
        this.#client.getMerchant.bind(this.#client),
        { merchantId },
        { timeoutMs: this.#timeoutMs },
      );
      return merchantProfileOf(merchant, this.#limits);
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  close(): void {
    this.#client.close();
  }
}
