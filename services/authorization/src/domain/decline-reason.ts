/**
 * Internal reasons a transaction is not approved. Steps record one of these; the single mapper in
 * transport/response-code.ts turns it into a field-39 code, so wire codes never leak into flows.
 */
export const DECLINE_REASONS = [
  'format_error',
  'invalid_amount',
  'invalid_card',
  'expired_card',
  'terminal_not_registered',
  'terminal_not_permitted',
  'merchant_not_active',
  'code_jump',
  'batch_number_mismatch',
  'duplicate_transaction',
  'original_not_found',
  'original_not_eligible',
  'refund_exceeds_original',
  'completion_exceeds_preauth',
  'contactless_pin_required',
  'risk_declined',
  'risk_unavailable',
  'pin_translation_failed',
  'issuer_declined',
  'upstream_timeout',
  'upstream_unavailable',
  'budget_exhausted',
  'storage_unavailable',
  'internal_error',
] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];
