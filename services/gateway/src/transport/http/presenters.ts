/** Protobuf messages -> JSON views (bigint -> digit strings, epoch ms -> ISO 8601, 0 -> null). */
import type {
  FeePlan,
  Merchant,
  MerchantApplication,
  QrCode,
  T0Application,
  Terminal,
} from '@acq/proto/merchant/v1/merchant.ts';
import { assert } from '@acq/assert';

export function isoOrNull(epochMs: bigint): string | null {
  return epochMs === 0n ? null : new Date(Number(epochMs)).toISOString();
}

export function feePlanView(plan: FeePlan | undefined) {
  assert(plan !== undefined, 'a merchant always carries a fee plan');
  return {
    category: plan.category as 'standard' | 'discounted' | 'exempt',
    debitRateUnits: plan.debitRateUnits.toString(),
    debitCapFen: plan.debitCapFen.toString(),
    creditRateUnits: plan.creditRateUnits.toString(),
    t0RateUnits: plan.t0RateUnits.toString(),
    t0FixedFen: plan.t0FixedFen.toString(),
    // null: the merchant has no limit of its own and settlement applies the platform default.
    t0SingleLimitFen: plan.t0SingleLimitFen?.toString() ?? null,
    t0DailyQuotaFen: plan.t0DailyQuotaFen?.toString() ?? null,
  };
}

export function applicationView(application: MerchantApplication) {
  return {
    id: application.applicationId,
    status: application.status,
    merchantType: application.merchantType,
    legalName: application.legalName,
    idNumberMasked: application.idNumberMasked,
    phone: application.phone,
    businessName: application.businessName,
    businessAddress: application.businessAddress,
    areaCode: application.areaCode,
    mcc: application.mcc,
    businessLicenceNumber: application.businessLicenceNumber,
    settlementCardMasked: application.settlementCardMasked,
    rejectionReason: application.rejectionReason,
    merchantId: application.merchantId === '' ? null : application.merchantId,
    reviewedBy: application.reviewedBy,
    submittedAt: isoOrNull(application.submittedAtMs),
    decidedAt: isoOrNull(application.decidedAtMs),
  };
}

export function merchantView(merchant: Merchant) {
  return {
    merchantId: merchant.merchantId,
    merchantNumber: merchant.merchantNumber,
    merchantType: merchant.merchantType,
    legalName: merchant.legalName,
    businessName: merchant.businessName,
    businessAddress: merchant.businessAddress,
    areaCode: merchant.areaCode,
    mcc: merchant.mcc,
    status: merchant.status,
    statusReason: merchant.statusReason,
    feePlan: feePlanView(merchant.feePlan),
    feePlanOverridden: merchant.feePlanOverridden,
    t0Enabled: merchant.t0Enabled,
    applicationId: merchant.applicationId,
    phone: merchant.phone,
    createdAt: isoOrNull(merchant.createdAtMs),
  };
}

export function terminalView(terminal: Terminal) {
  const location = terminal.location;
  return {
    terminalId: terminal.terminalId,
    serialNumber: terminal.serialNumber,
    model: terminal.model,
    merchantId: terminal.merchantId,
    status: terminal.status,
    signedIn: terminal.signedIn,
    batchNumber: terminal.batchNumber,
    boundAt: isoOrNull(terminal.boundAtMs),
    reboundAt: isoOrNull(terminal.reboundAtMs),
    activationCodeExpiresAt: isoOrNull(terminal.activationCodeExpiresAtMs),
    lastSignedInAt: isoOrNull(terminal.lastSignedInAtMs),
    registeredAt: isoOrNull(terminal.registeredAtMs),
    location:
      location === undefined
        ? null
        : {
            latitudeE6: location.latitudeE6,
            longitudeE6: location.longitudeE6,
            areaCode: location.areaCode,
            reportedAt: isoOrNull(location.reportedAtMs),
          },
  };
}

export function t0ApplicationView(application: T0Application) {
  return {
    id: application.t0ApplicationId,
    merchantId: application.merchantId,
    status: application.status,
    rejectionReason: application.rejectionReason,
    reviewedBy: application.reviewedBy,
    submittedAt: isoOrNull(application.submittedAtMs),
    decidedAt: isoOrNull(application.decidedAtMs),
  };
}

export function qrCodeView(code: QrCode) {
  return {
    id: code.qrCodeId,
    merchantId: code.merchantId,
    kind: code.kind,
    status: code.status,
    content: code.content,
    amountFen: code.kind === 'dynamic' ? code.amountFen.toString() : null,
    expiresAt: isoOrNull(code.expiresAtMs),
    description: code.description,
    createdAt: isoOrNull(code.createdAtMs),
  };
}
