/**
 * Merchant applications: field rules for individual/micro (个人/小微) and enterprise (企业) merchants,
 * and the review state machine submitted -> under_review -> approved | rejected.
 */
import { isValidCardNumber } from './bank-card.ts';
import { feeCategoryOfMcc } from './fee-plans.ts';
import { isValidBusinessLicenceNumber } from './licence-number.ts';
import { isValidAreaCode, isWellFormedMcc } from './merchant-number.ts';
import { checkResidentIdNumber } from './resident-id.ts';

export const MERCHANT_TYPES = ['individual', 'enterprise'] as const;
export type MerchantType = (typeof MERCHANT_TYPES)[number];

export const APPLICATION_STATUSES = ['submitted', 'under_review', 'approved', 'rejected'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export const APPLICATION_TEXT_CHARS_MAX = 100;
export const REJECTION_REASON_CHARS_MAX = 500;
const MAINLAND_MOBILE_PATTERN = /^1[3-9][0-9]{9}$/;

export interface ApplicationInput {
  readonly merchantType: string;
  readonly legalName: string;
  readonly idNumber: string;
  readonly phone: string;
  readonly businessName: string;
  readonly businessAddress: string;
  readonly areaCode: string;
  readonly mcc: string;
  readonly businessLicenceNumber: string;
  readonly settlementCardNumber: string;
}

export interface ValidApplication extends ApplicationInput {
  readonly merchantType: MerchantType;
  readonly idNumber: string;
  readonly birthDate: string;
}

export interface FieldProblem {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

function textProblem(field: string, value: string): FieldProblem | undefined {
  const trimmed = value.trim();
  if (trimmed.length === 0) return { field, code: 'FIELD_REQUIRED', message: `${field} is required` };
  if (trimmed.length > APPLICATION_TEXT_CHARS_MAX) {
    return {
      field,
      code: 'FIELD_TOO_LONG',
      message: `${field} is longer than ${APPLICATION_TEXT_CHARS_MAX} characters`,
    };
  }
  return undefined;
}

function codeProblems(input: ApplicationInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!MAINLAND_MOBILE_PATTERN.test(input.phone)) {
    problems.push({
      field: 'phone',
      code: 'INVALID_PHONE',
      message: 'phone must be an 11-digit mainland mobile number',
    });
  }
  if (!isValidAreaCode(input.areaCode)) {
    problems.push({ field: 'areaCode', code: 'INVALID_AREA_CODE', message: 'areaCode must be a 4-digit area code' });
  }
  if (!isWellFormedMcc(input.mcc) || feeCategoryOfMcc(input.mcc) === undefined) {
    problems.push({ field: 'mcc', code: 'UNKNOWN_MCC', message: 'mcc is not in the MCC table' });
  }
  if (!isValidCardNumber(input.settlementCardNumber)) {
    problems.push({
      field: 'settlementCardNumber',
      code: 'INVALID_CARD_NUMBER',
      message: 'settlementCardNumber must be 16-19 digits with a valid check digit',
    });
  }
  return problems;
}

function licenceProblem(merchantType: MerchantType, licence: string): FieldProblem | undefined {
  if (merchantType === 'enterprise' && !isValidBusinessLicenceNumber(licence)) {
    return {
      field: 'businessLicenceNumber',
      code: 'INVALID_LICENCE_NUMBER',
      message: 'enterprises need an 18-character unified social credit code with a valid check character',
    };
  }
  if (merchantType === 'individual' && licence !== '' && !isValidBusinessLicenceNumber(licence)) {
    return {
      field: 'businessLicenceNumber',
      code: 'INVALID_LICENCE_NUMBER',
      message: 'businessLicenceNumber, when given, must be a valid unified social credit code',
    };
  }
  return undefined;
}

/** Every problem of an application at once, so an applicant fixes them in one round. */
export function validateApplication(
  input: ApplicationInput,
  today: Date,
): { ok: true; application: ValidApplication } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const merchantType = MERCHANT_TYPES.find((type) => type === input.merchantType);
  if (merchantType === undefined) {
    problems.push({
      field: 'merchantType',
      code: 'INVALID_MERCHANT_TYPE',
      message: 'merchantType must be individual or enterprise',
    });
  }
  for (const field of ['legalName', 'businessName', 'businessAddress'] as const) {
    const problem = textProblem(field, input[field]);
    if (problem !== undefined) problems.push(problem);
  }
  const idCheck = checkResidentIdNumber(input.idNumber, today);
  if (!idCheck.valid) problems.push({ field: 'idNumber', code: 'INVALID_ID_NUMBER', message: idCheck.reason });
  problems.push(...codeProblems(input));
  const licence = merchantType === undefined ? undefined : licenceProblem(merchantType, input.businessLicenceNumber);
  if (licence !== undefined) problems.push(licence);
  if (problems.length > 0 || merchantType === undefined || !idCheck.valid) return { ok: false, problems };
  return {
    ok: true,
    application: {
      ...input,
      merchantType,
      legalName: input.legalName.trim(),
      businessName: input.businessName.trim(),
      businessAddress: input.businessAddress.trim(),
      idNumber: idCheck.normalized,
      birthDate: idCheck.birthDate,
    },
  };
}

export type ReviewAction = 'start_review' | 'approve' | 'reject';

const ALLOWED_TRANSITIONS: Readonly<Record<ApplicationStatus, Partial<Record<ReviewAction, ApplicationStatus>>>> = {
  submitted: { start_review: 'under_review', approve: 'approved', reject: 'rejected' },
  under_review: { approve: 'approved', reject: 'rejected' },
  approved: {},
  rejected: {},
};

/** The status after an action, or undefined when the action is not allowed from this status. */
export function nextApplicationStatus(current: ApplicationStatus, action: ReviewAction): ApplicationStatus | undefined {
  return ALLOWED_TRANSITIONS[current][action];
}

export function isApplicationStatus(text: string): text is ApplicationStatus {
  return (APPLICATION_STATUSES as readonly string[]).includes(text);
}
