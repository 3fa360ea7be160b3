/** JSON fee plan (digit strings) -> protobuf FeePlan (bigints); the schema has checked the digits. */
import type { FeePlan } from '@acq/proto/merchant/v1/merchant.ts';
import type { Static } from '@sinclair/typebox';
import type { FeePlanBody } from '../schemas/merchant-schemas.ts';

/** A T0 limit left out or null is absent in the message: the merchant keeps the platform default. */
function optionalFen(digits: string | null | undefined): bigint | undefined {
  return digits === null || digits === undefined ? undefined : BigInt(digits);
}

export function feePlanMessage(body: Static<typeof FeePlanBody>): FeePlan {
  return {
    category: body.category,
    debitRateUnits: BigInt(body.debitRateUnits),
    debitCapFen: BigInt(body.debitCapFen),
    creditRateUnits: BigInt(body.creditRateUnits),
    t0RateUnits: BigInt(body.t0RateUnits),
    t0FixedFen: BigInt(body.t0FixedFen),
    t0SingleLimitFen: optionalFen(body.t0SingleLimitFen),
    t0DailyQuotaFen: optionalFen(body.t0DailyQuotaFen),
  };
}
