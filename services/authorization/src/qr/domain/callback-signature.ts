/**
 * Provider callback authentication: x-sim-signature = lower-case hex HMAC-SHA256(secret,
 * `timestamp.nonce.body`) over the raw body bytes, with the timestamp (unix seconds) inside a
 * replay window. Compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { assert } from '@acq/assert';

export function callbackSignature(secret: string, timestamp: string, nonce: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.${nonce}.`).update(body).digest('hex');
}

export type SignatureCheck = 'valid' | 'bad_signature' | 'stale' | 'malformed';

export function checkCallbackSignature(
  input: { secret: string; timestamp: string; nonce: string; signature: string; body: Uint8Array },
  nowMs: number,
  clockSkewMsMax: number,
): SignatureCheck {
  assert(input.secret.length > 0, 'callbacks are checked against a configured secret');
  if (!/^[0-9]{1,12}$/.test(input.timestamp) || input.nonce.length === 0 || input.nonce.length > 128)
    return 'malformed';
  if (!/^[0-9a-f]{64}$/.test(input.signature)) return 'bad_signature';
  const expected = Buffer.from(callbackSignature(input.secret, input.timestamp, input.nonce, input.body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(input.signature, 'hex'))) return 'bad_signature';
  if (Math.abs(nowMs - Number(input.timestamp) * 1000) > clockSkewMsMax) return 'stale';
  return 'valid';
}
