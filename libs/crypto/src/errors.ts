/**
 * Crypto operating errors (a malformed PIN block from a terminal, a key blob that fails its check)
 * carry a stable code and a log-safe message: never key, PIN or PAN material.
 */
export const CRYPTO_ERROR_CODES = [
  'BAD_KEY',
  'BAD_KEY_BLOB',
  'BAD_DATA_LENGTH',
  'BAD_PIN',
  'BAD_PAN',
  'BAD_PIN_BLOCK',
  'BAD_TRACK',
  'KEY_CHECK_VALUE_MISMATCH',
] as const;

export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.code = code;
  }
}
