/**
 * The one mapper from internal decline reasons to field-39 response codes (DESIGN.md section 4).
 * Codes decided by the issuer or by risk pass through when they are codes terminals know.
 */
import type { DeclineReason } from '../domain/decline-reason.ts';
import type { AuthorizationContext } from '../flows/authorize/authorization-context.ts';

export const RESPONSE_CODES = [
  '00',
  '03',
  '05',
  '12',
  '13',
  '14',
  '22',
  '25',
  '30',
  '51',
  '54',
  '55',
  '58',
  '61',
  '65',
  '75',
  '77',
  '94',
  '96',
  '97',
  '98',
  'A0',
] as const;
export type ResponseCode = (typeof RESPONSE_CODES)[number];

const RESPONSE_CODE_BY_REASON: Readonly<Record<DeclineReason, ResponseCode>> = {
  format_error: '30',
  invalid_amount: '13',
  invalid_card: '14',
  expired_card: '54',
  terminal_not_registered: '97',
  terminal_not_permitted: '58',
  merchant_not_active: '03',
  code_jump: '03',
  batch_number_mismatch: '77',
  duplicate_transaction: '94',
  original_not_found: '25',
  original_not_eligible: '12',
  refund_exceeds_original: '61',
  completion_exceeds_preauth: '13',
  contactless_pin_required: '55',
  risk_declined: '05',
  risk_unavailable: '96',
  pin_translation_failed: '96',
  issuer_declined: '05',
  upstream_timeout: '98',
  upstream_unavailable: '96',
  budget_exhausted: '98',
  storage_unavailable: '96',
  internal_error: '96',
};

const PASS_THROUGH = new Set<string>(RESPONSE_CODES);

export function responseCodeOfReason(reason: DeclineReason | undefined, externalResponseCode: string): ResponseCode {
  if (reason === undefined) return '00';
  const passThrough = reason === 'issuer_declined' || reason === 'risk_declined';
  if (passThrough && externalResponseCode !== '00' && PASS_THROUGH.has(externalResponseCode)) {
    return externalResponseCode as ResponseCode;
  }
  return RESPONSE_CODE_BY_REASON[reason];
}

export function responseCodeOf(ctx: AuthorizationContext): ResponseCode {
  return responseCodeOfReason(ctx.declineReason, ctx.externalResponseCode);
}
