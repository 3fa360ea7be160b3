/** JSON shapes of applications, merchants, terminals, T0 applications and QR codes. */
import { Type } from '@sinclair/typebox';
import {
  ApplicationId,
  FenString,
  MerchantId,
  PositiveFenString,
  QrCodeId,
  RateUnitsString,
  T0ApplicationId,
  TerminalId,
  Timestamp,
} from './common.ts';

const feePlanRates = {
  category: Type.Union([Type.Literal('standard'), Type.Literal('discounted'), Type.Literal('exempt')]),
  debitRateUnits: RateUnitsString,
  debitCapFen: FenString,
  creditRateUnits: RateUnitsString,
  t0RateUnits: RateUnitsString,
  t0FixedFen: FenString,
};
/**
 * Positive fen or null (the platform default) as one type list, not a union with a null branch: fastify's
 * ajv coerces types, and a null branch would take 0, "" and false as null, i.e. as the default.
 */
function t0LimitFen(description: string) {
  return Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: PositiveFenString.pattern, description });
}
const t0Limits = {
  t0SingleLimitFen: t0LimitFen('largest net amount of one transaction paid T0 (fen > 0); null = the platform default'),
  t0DailyQuotaFen: t0LimitFen(
    'T0 + D0 gross per day (fen > 0, at least t0SingleLimitFen); null = the platform default',
  ),
};
const feePlanDescription =
  'Rates in 1/1,000,000 (0.60% = 6000); debitCapFen 0 = uncapped. The merchant service refuses a plan out of ' +
  'its bounds (a T0 single limit above the daily quota included) with 400 INVALID_FEE_PLAN';

/** A fee plan an operator sets; T0 limits left out or null keep the platform defaults. */
export const FeePlanBody = Type.Object(
  {
    ...feePlanRates,
    t0SingleLimitFen: Type.Optional(t0Limits.t0SingleLimitFen),
    t0DailyQuotaFen: Type.Optional(t0Limits.t0DailyQuotaFen),
  },
  { additionalProperties: false, description: feePlanDescription },
);

/** A merchant's fee plan as presented: every field present, so it can be sent back as a FeePlanBody. */
export const FeePlanView = Type.Object(
  { ...feePlanRates, ...t0Limits },
  { additionalProperties: false, description: feePlanDescription },
);

export const ApplicationSubmission = Type.Object(
  {
    merchantType: Type.Union([Type.Literal('individual'), Type.Literal('enterprise')]),
    legalName: Type.String({ minLength: 1, maxLength: 100, examples: ['张三'] }),
    idNumber: Type.String({ minLength: 18, maxLength: 18, examples: ['11010519491231002X'] }),
    phone: Type.String({ pattern: '^[0-9]{11}$', examples: ['13800138000'] }),
    businessName: Type.String({ minLength: 1, maxLength: 100, examples: ['张三小吃店'] }),
    businessAddress: Type.String({ minLength: 1, maxLength: 100 }),
    areaCode: Type.String({ pattern: '^[0-9]{4}$', examples: ['5840'] }),
    mcc: Type.String({ pattern: '^[0-9]{4}$', examples: ['5812'] }),
    businessLicenceNumber: Type.Optional(Type.String({ maxLength: 18, description: 'required for enterprise' })),
    settlementCardNumber: Type.String({ pattern: '^[0-9]{16,19}$', examples: ['6222021234567890128'] }),
  },
  { additionalProperties: false },
);

export const ApplicationView = Type.Object(
  {
    id: ApplicationId,
    status: Type.String({ enum: ['submitted', 'under_review', 'approved', 'rejected'] }),
    merchantType: Type.String(),
    legalName: Type.String(),
    idNumberMasked: Type.String(),
    phone: Type.String(),
    businessName: Type.String(),
    businessAddress: Type.String(),
    areaCode: Type.String(),
    mcc: Type.String(),
    businessLicenceNumber: Type.String(),
    settlementCardMasked: Type.String(),
    rejectionReason: Type.String(),
    merchantId: Type.Union([MerchantId, Type.Null()]),
    reviewedBy: Type.String(),
    submittedAt: Timestamp,
    decidedAt: Timestamp,
  },
  { additionalProperties: false },
);

export const MerchantView = Type.Object(
  {
    merchantId: MerchantId,
    merchantNumber: Type.String({ pattern: '^[0-9]{15}$' }),
    merchantType: Type.String(),
    legalName: Type.String(),
    businessName: Type.String(),
    businessAddress: Type.String(),
    areaCode: Type.String(),
    mcc: Type.String(),
    status: Type.String({ enum: ['active', 'frozen', 'closed'] }),
    statusReason: Type.String(),
    feePlan: FeePlanView,
    feePlanOverridden: Type.Boolean(),
    t0Enabled: Type.Boolean(),
    applicationId: ApplicationId,
    phone: Type.String(),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);

export const TerminalView = Type.Object(
  {
    terminalId: TerminalId,
    serialNumber: Type.String(),
    model: Type.String(),
    merchantId: MerchantId,
    status: Type.String({ enum: ['registered', 'activated', 'frozen', 'retired'] }),
    signedIn: Type.Boolean(),
    batchNumber: Type.String(),
    boundAt: Timestamp,
    reboundAt: Timestamp,
    activationCodeExpiresAt: Timestamp,
    lastSignedInAt: Timestamp,
    registeredAt: Timestamp,
    location: Type.Union([
      Type.Object(
        { latitudeE6: Type.Integer(), longitudeE6: Type.Integer(), areaCode: Type.String(), reportedAt: Timestamp },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

export const T0ApplicationView = Type.Object(
  {
    id: T0ApplicationId,
    merchantId: MerchantId,
    status: Type.String({ enum: ['submitted', 'approved', 'rejected'] }),
    rejectionReason: Type.String(),
    reviewedBy: Type.String(),
    submittedAt: Timestamp,
    decidedAt: Timestamp,
  },
  { additionalProperties: false },
);

export const QrCodeView = Type.Object(
  {
    id: QrCodeId,
    merchantId: MerchantId,
    kind: Type.String({ enum: ['static', 'dynamic'] }),
    status: Type.String({ enum: ['active', 'revoked', 'expired', 'used'] }),
    content: Type.String({ description: 'the text to render as the QR image' }),
    amountFen: Type.Union([FenString, Type.Null()]),
    expiresAt: Timestamp,
    description: Type.String(),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);
