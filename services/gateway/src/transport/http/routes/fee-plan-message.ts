/** JSON fee plan (digit strings) -> protobuf FeePlan (bigints); the schema has checked the digits. */
import type { FeePlan } from '@acq/proto/merchant/v1/merchant.ts';
import type { Static } from '@sinclair/typebox';
import type { FeePlanBody } from '../schemas/merchant-schemas.ts';

export function feePlanMessage(body: Static<typeof FeePlanBody>): FeePlan {
  return {
    category: body.category,
    debitRateUnits: BigInt(body.debitRateUnits),
    debitCapFen: BigInt(body.debitCapFen),
    creditRateUnits: BigInt(body.creditRateUnits),
    t0RateUnits: BigInt(body.t0RateUnits),
    t0FixedFen: BigInt(body.t0FixedFen),
  };
}
