/** Schemas shared by route plugins: the error body, ids, digit strings for fen and rates. */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      { code: Type.String({ examples: ['ACTIVATION_CODE_EXPIRED'] }), message: Type.String() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, $id: 'ErrorBody' },
);

export const MerchantId = Type.String({ pattern: '^mch_[a-z2-7]{20}$', examples: ['mch_abcdefghijklmnopqrst'] });
export const ApplicationId = Type.String({ pattern: '^mapp_[a-z2-7]{20}$' });
export const T0ApplicationId = Type.String({ pattern: '^t0a_[a-z2-7]{20}$' });
export const QrCodeId = Type.String({ pattern: '^qr_[a-z2-7]{20}$' });
/** The 8-digit field-41 terminal id. */
export const TerminalId = Type.String({ pattern: '^[0-9]{8}$', examples: ['10000001'] });
/** Integer fen as a JSON digit string (never a float). */
export const FenString = Type.String({ pattern: '^(0|[1-9][0-9]{0,17})$', examples: ['2000'] });
/** Integer fen above zero as a JSON digit string. */
export const PositiveFenString = Type.String({ pattern: '^[1-9][0-9]{0,17}$', examples: ['5000'] });
/** Rate in units of 1/1,000,000 (0.60% = "6000") as a digit string. */
export const RateUnitsString = Type.String({ pattern: '^(0|[1-9][0-9]{0,6})$', examples: ['6000'] });
export const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
export const Reason = Type.String({ minLength: 1, maxLength: 500 });

export const MerchantIdParams = Type.Object({ merchantId: MerchantId }, { additionalProperties: false });

/** Standard error responses a route documents besides its success. */
export function errorResponses(...statusCodes: readonly number[]): Record<number, TSchema> {
  const responses: Record<number, TSchema> = {};
  for (const statusCode of statusCodes) responses[statusCode] = Type.Ref('ErrorBody');
  return responses;
}

/** Every authenticated route can answer these. */
export const AUTHENTICATED_ERRORS = [400, 401, 403, 404, 503] as const;
export type MerchantIdPath = Static<typeof MerchantIdParams>;
