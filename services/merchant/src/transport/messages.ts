/** Records -> protobuf messages (and the fee plan back). Pure; the only place proto shapes are built. */
import type {
  FeePlan as FeePlanMessage,
  Merchant,
  MerchantApplication,
  QrCode,
  T0Application,
  Terminal,
  TerminalContext,
  TerminalLocation,
} from '@acq/proto/merchant/v1/merchant.ts';
import { fen } from '@acq/money';
import { FEE_CATEGORIES, type FeePlan } from '../domain/fee-plans.ts';
import { effectiveQrStatus } from '../domain/qr-code.ts';
import type {
  ApplicationRecord,
  MerchantRecord,
  QrCodeRecord,
  T0ApplicationRecord,
  TerminalContextRecord,
  TerminalLocationRecord,
  TerminalRecord,
} from '../store/records.ts';
import { invalidArgument } from '../flows/refuse.ts';

const ms = (value: number | undefined): bigint => BigInt(value ?? 0);

export function feePlanMessage(plan: FeePlan): FeePlanMessage {
  return {
    category: plan.category,
    debitRateUnits: plan.debitRateUnits,
    debitCapFen: plan.debitCapFen,
    creditRateUnits: plan.creditRateUnits,
    t0RateUnits: plan.t0RateUnits,
    t0FixedFen: plan.t0FixedFen,
    t0SingleLimitFen: plan.t0SingleLimitFen,
    t0DailyQuotaFen: plan.t0DailyQuotaFen,
  };
}

/** A fee plan from a request; the category must be one of ours (numbers are checked by the flow). */
export function feePlanFromMessage(message: FeePlanMessage | undefined): FeePlan | undefined {
  if (message === undefined) return undefined;
  const category = FEE_CATEGORIES.find((candidate) => candidate === message.category);
  if (category === undefined)
    throw invalidArgument('INVALID_FEE_PLAN', 'category must be standard, discounted or exempt');
  return {
    category,
    debitRateUnits: message.debitRateUnits,
    debitCapFen: fen(message.debitCapFen),
    creditRateUnits: message.creditRateUnits,
    t0RateUnits: message.t0RateUnits,
    t0FixedFen: fen(message.t0FixedFen),
    t0SingleLimitFen: message.t0SingleLimitFen === undefined ? undefined : fen(message.t0SingleLimitFen),
    t0DailyQuotaFen: message.t0DailyQuotaFen === undefined ? undefined : fen(message.t0DailyQuotaFen),
  };
}

export function locationMessage(location: TerminalLocationRecord | undefined): TerminalLocation | undefined {
  if (location === undefined) return undefined;
  return {
    latitudeE6: location.latitudeE6,
    longitudeE6: location.longitudeE6,
    areaCode: location.areaCode,
    reportedAtMs: BigInt(location.reportedAtMs),
  };
}

export function terminalContextMessage(context: TerminalContextRecord): TerminalContext {
  return {
    terminalId: context.terminalId,
    serialNumber: context.serialNumber,
    merchantId: context.merchantId,
    merchantNumber: context.merchantNumber,
    merchantName: context.merchantName,
    mcc: context.mcc,
    areaCode: context.areaCode,
    merchantType: context.merchantType,
    merchantStatus: context.merchantStatus,
    terminalStatus: context.terminalStatus,
    boundAtMs: ms(context.boundAtMs),
    reboundAtMs: ms(context.reboundAtMs),
    signedIn: context.signedIn,
    batchNumber: context.batchNumber,
    pikUnderMasterKey: context.pikUnderMasterKey,
    makUnderMasterKey: context.makUnderMasterKey,
    tdkUnderMasterKey: context.tdkUnderMasterKey,
    t0Enabled: context.t0Enabled,
    feePlan: feePlanMessage(context.feePlan),
    location: locationMessage(context.location),
    contextVersion: context.contextVersion,
  };
}

export function applicationMessage(application: ApplicationRecord): MerchantApplication {
  return {
    applicationId: application.applicationId,
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
    merchantId: application.merchantId ?? '',
    reviewedBy: application.reviewedBy,
    submittedAtMs: BigInt(application.submittedAtMs),
    decidedAtMs: ms(application.decidedAtMs),
  };
}

export function merchantMessage(merchant: MerchantRecord): Merchant {
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
    feePlan: feePlanMessage(merchant.feePlan),
    feePlanOverridden: merchant.feePlanOverridden,
    t0Enabled: merchant.t0Enabled,
    applicationId: merchant.applicationId,
    phone: merchant.phone,
    createdAtMs: BigInt(merchant.createdAtMs),
    contextVersion: merchant.version,
  };
}

export function terminalMessage(terminal: TerminalRecord): Terminal {
  return {
    terminalId: terminal.terminalId,
    serialNumber: terminal.serialNumber,
    model: terminal.model,
    merchantId: terminal.merchantId,
    status: terminal.status,
    signedIn: terminal.signedIn,
    batchNumber: terminal.batchNumber,
    boundAtMs: ms(terminal.boundAtMs),
    reboundAtMs: ms(terminal.reboundAtMs),
    activationCodeExpiresAtMs: ms(terminal.activationCodeExpiresAtMs),
    location: locationMessage(terminal.location),
    registeredAtMs: BigInt(terminal.registeredAtMs),
    lastSignedInAtMs: ms(terminal.lastSignedInAtMs),
  };
}

export function t0ApplicationMessage(application: T0ApplicationRecord): T0Application {
  return {
    t0ApplicationId: application.t0ApplicationId,
    merchantId: application.merchantId,
    status: application.status,
    rejectionReason: application.rejectionReason,
    reviewedBy: application.reviewedBy,
    submittedAtMs: BigInt(application.submittedAtMs),
    decidedAtMs: ms(application.decidedAtMs),
  };
}

export function qrCodeMessage(code: QrCodeRecord, content: string, nowMs: number): QrCode {
  return {
    qrCodeId: code.qrCodeId,
    merchantId: code.merchantId,
    kind: code.kind,
    status: effectiveQrStatus(code.status, code.expiresAtMs, nowMs),
    content,
    amountFen: code.amountFen ?? 0n,
    expiresAtMs: ms(code.expiresAtMs),
    description: code.description,
    createdAtMs: BigInt(code.createdAtMs),
  };
}
