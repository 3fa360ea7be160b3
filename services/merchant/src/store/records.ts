/** Rows of the merchant schema as the rest of the service sees them (timestamps as epoch ms). */
import type { Fen } from '@acq/money';
import type { ApplicationStatus, MerchantType } from '../domain/application.ts';
import type { FeePlan } from '../domain/fee-plans.ts';
import type { QrKind, QrStatus } from '../domain/qr-code.ts';
import type { MerchantStatus, TerminalStatus } from '../domain/terminal-rules.ts';

export interface ApplicationRecord {
  readonly applicationId: string;
  readonly status: ApplicationStatus;
  readonly merchantType: MerchantType;
  readonly legalName: string;
  readonly idNumberSealed: string;
  readonly idNumberFingerprint: string;
  readonly idNumberMasked: string;
  readonly phone: string;
  readonly businessName: string;
  readonly businessAddress: string;
  readonly areaCode: string;
  readonly mcc: string;
  readonly businessLicenceNumber: string;
  readonly settlementCardSealed: string;
  readonly settlementCardMasked: string;
  readonly rejectionReason: string;
  readonly merchantId: string | undefined;
  readonly reviewedBy: string;
  readonly submittedAtMs: number;
  readonly decidedAtMs: number | undefined;
}

export interface MerchantRecord {
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly applicationId: string;
  readonly merchantType: MerchantType;
  readonly legalName: string;
  readonly businessName: string;
  readonly businessAddress: string;
  readonly areaCode: string;
  readonly mcc: string;
  readonly phone: string;
  readonly status: MerchantStatus;
  readonly statusReason: string;
  readonly feePlan: FeePlan;
  readonly feePlanOverridden: boolean;
  readonly t0Enabled: boolean;
  readonly createdAtMs: number;
  readonly version: bigint;
}

export interface TerminalLocationRecord {
  readonly latitudeE6: number;
  readonly longitudeE6: number;
  readonly areaCode: string;
  readonly reportedAtMs: number;
}

export interface TerminalRecord {
  readonly terminalId: string;
  readonly serialNumber: string;
  readonly model: string;
  readonly merchantId: string;
  readonly status: TerminalStatus;
  readonly activationCodeHash: string | undefined;
  readonly activationCodeExpiresAtMs: number | undefined;
  readonly activationAttempts: number;
  readonly tmkUnderMasterKey: string;
  readonly signedIn: boolean;
  readonly lastSignedInAtMs: number | undefined;
  readonly batchNumber: string;
  readonly boundAtMs: number | undefined;
  readonly reboundAtMs: number | undefined;
  readonly location: TerminalLocationRecord | undefined;
  readonly registeredAtMs: number;
  readonly version: bigint;
}

/** The hot-path join of a terminal and its merchant (GetTerminalContext). */
export interface TerminalContextRecord {
  readonly terminalId: string;
  readonly serialNumber: string;
  readonly merchantId: string;
  readonly merchantNumber: string;
  readonly merchantName: string;
  readonly mcc: string;
  readonly areaCode: string;
  readonly merchantType: MerchantType;
  readonly merchantStatus: MerchantStatus;
  readonly terminalStatus: TerminalStatus;
  readonly boundAtMs: number | undefined;
  readonly reboundAtMs: number | undefined;
  readonly signedIn: boolean;
  readonly batchNumber: string;
  readonly tmkUnderMasterKey: string;
  readonly pikUnderMasterKey: string;
  readonly makUnderMasterKey: string;
  readonly tdkUnderMasterKey: string;
  readonly t0Enabled: boolean;
  readonly feePlan: FeePlan;
  readonly location: TerminalLocationRecord | undefined;
  readonly contextVersion: bigint;
}

export interface T0ApplicationRecord {
  readonly t0ApplicationId: string;
  readonly merchantId: string;
  readonly status: 'submitted' | 'approved' | 'rejected';
  readonly rejectionReason: string;
  readonly reviewedBy: string;
  readonly submittedAtMs: number;
  readonly decidedAtMs: number | undefined;
}

export interface QrCodeRecord {
  readonly qrCodeId: string;
  readonly merchantId: string;
  readonly kind: QrKind;
  readonly status: Exclude<QrStatus, 'expired'>;
  readonly token: string;
  readonly amountFen: Fen | undefined;
  readonly expiresAtMs: number | undefined;
  readonly description: string;
  readonly createdAtMs: number;
}
