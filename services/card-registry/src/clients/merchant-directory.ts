/**
 * The merchant service as the card registry sees it: who the merchant is (type, names, status) and the
 * identity it was onboarded with, over merchant.proto with an explicit deadline per call. The ID number
 * and requested card travel only in memory; nothing here logs them.
 */
import { callUnary, createClient, ServiceError } from '@acq/grpc';
import { MerchantServiceClient } from '@acq/proto/merchant/v1/merchant.ts';
import type { MerchantIdentity, MerchantType } from '../domain/change-policy.ts';
import { unavailable } from '../domain/refusals.ts';
import type { MerchantDirectoryPort, RequestedCard } from '../flows/ports.ts';

/** gRPC classes that say nothing about the merchant: the caller may simply try again. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED']);

async function orUndefinedWhenNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ServiceError && error.code === 'NOT_FOUND') return undefined;
    if (error instanceof ServiceError && TRANSIENT_CODES.has(error.code))
      throw unavailable('MERCHANT_SERVICE_UNAVAILABLE', 'the merchant service did not answer; try again');
    throw error;
  }
}

function merchantTypeOf(text: string): MerchantType {
  return text === 'enterprise' ? 'enterprise' : 'individual';
}

export function createMerchantDirectory(address: string, timeoutMs: number): MerchantDirectoryPort & { close(): void } {
  const client = createClient(MerchantServiceClient, address);
  const options = { timeoutMs };
  const requestedCard = (merchantId: string) =>
    orUndefinedWhenNotFound(callUnary(client.getRequestedSettlementCard.bind(client), { merchantId }, options));
  return {
    async identity(merchantId): Promise<MerchantIdentity | undefined> {
      const merchant = await orUndefinedWhenNotFound(
        callUnary(client.getMerchant.bind(client), { merchantId }, options),
      );
      if (merchant === undefined) return undefined;
      const requested = await requestedCard(merchantId);
      if (requested === undefined) return undefined;
      return {
        merchantId,
        merchantType: merchantTypeOf(merchant.merchantType),
        legalName: merchant.legalName,
        businessName: merchant.businessName,
        idNumber: requested.idNumber,
        status: merchant.status,
      };
    },
    async requestedCard(merchantId): Promise<RequestedCard | undefined> {
      const requested = await requestedCard(merchantId);
      if (requested === undefined) return undefined;
      return {
        cardNumber: requested.cardNumber,
        holderName: requested.holderName,
        idNumber: requested.idNumber,
        phone: requested.phone,
      };
    },
    close: () => client.close(),
  };
}
