/**
 * The identity-verification provider, the SMS gateway and the bank's micro-deposit API over HTTP
 * (network-sim in development; production providers have the same shape behind this adapter). Every
 * call has a timeout; a timeout, a connection error or a 5xx is `unavailable`, never a verdict. Card
 * numbers go only into request bodies, never into URLs, logs or error reasons.
 */
import { assert } from '@acq/assert';
import { type Fen, parseFen } from '@acq/money';
import type {
  BankVerificationPort,
  IdentityOutcome,
  IdentityVerificationPort,
  MicroDepositOutcome,
  NotificationPort,
  SmsOutcome,
  ZeroAmountOutcome,
} from '../flows/ports.ts';

export type ProviderClientOptions = {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly responseBytesMax: number;
};

type Answer =
  | { kind: 'answer'; status: number; body: Record<string, unknown> }
  | { kind: 'unreachable'; reason: string };

const MATCH_FIELDS = new Set(['name', 'idNumber', 'phone']);

export class NetworkSimProvider implements IdentityVerificationPort, NotificationPort, BankVerificationPort {
  readonly #options: ProviderClientOptions;

  constructor(options: ProviderClientOptions) {
    assert(options.timeoutMs > 0, 'provider calls have a timeout');
    assert(/^https?:\/\//.test(options.baseUrl), 'the provider URL is http(s)');
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
  }

  async verifyElements(input: {
    cardNumber: string;
    name: string;
    idNumber: string;
    phone: string;
  }): Promise<IdentityOutcome> {
    const answer = await this.#post('/identity/verifications', input);
    if (answer.kind === 'unreachable') return { kind: 'unavailable', reason: answer.reason };
    if (answer.status !== 200) return { kind: 'unavailable', reason: `HTTP_${answer.status}` };
    const result = answer.body.result;
    switch (result) {
      case 'MATCH':
        return { kind: 'match' };
      case 'MISMATCH': {
        const listed = Array.isArray(answer.body.mismatched) ? answer.body.mismatched : [];
        return { kind: 'mismatch', fields: listed.filter((field): field is string => MATCH_FIELDS.has(String(field))) };
      }
      case 'CARD_NOT_FOUND':
        return { kind: 'card_not_found' };
      case 'INVALID_ID_NUMBER':
        return { kind: 'invalid_id_number' };
      case 'LOCKED': {
        const until = Date.parse(String(answer.body.lockedUntil ?? ''));
        return { kind: 'locked', lockedUntilMs: Number.isFinite(until) ? until : 0 };
      }
      default:
        return { kind: 'unavailable', reason: 'UNKNOWN_RESULT' };
    }
  }

  async verifyCardZeroAmount(input: { cardNumber: string; name: string }): Promise<ZeroAmountOutcome> {
    const answer = await this.#post('/identity/card-verifications', input);
    if (answer.kind === 'unreachable') return { kind: 'unavailable', reason: answer.reason };
    if (answer.status !== 200) return { kind: 'unavailable', reason: `HTTP_${answer.status}` };
    const result = String(answer.body.result ?? '');
    if (result === 'VERIFIED') return { kind: 'verified' };
    return { kind: 'refused', reason: /^[A-Z_]{1,40}$/.test(result) ? result : 'CARD_NOT_VERIFIED' };
  }

  async sendSms(phone: string, text: string): Promise<SmsOutcome> {
    const answer = await this.#post('/sms', { phone, text });
    if (answer.kind === 'unreachable') return { kind: 'unavailable', reason: answer.reason };
    if (answer.status !== 202 && answer.status !== 200) return { kind: 'unavailable', reason: `HTTP_${answer.status}` };
    return { kind: 'sent' };
  }

  async sendMicroDeposit(input: {
    requestId: string;
    accountNumber: string;
    accountName: string;
  }): Promise<MicroDepositOutcome> {
    const answer = await this.#post('/bank/micro-deposits', input);
    if (answer.kind === 'unreachable') return { kind: 'unavailable', reason: answer.reason };
    if (answer.status >= 500 || answer.status === 409) return { kind: 'unavailable', reason: `HTTP_${answer.status}` };
    if (answer.status >= 400) return { kind: 'failed', reason: errorCodeOf(answer.body, `HTTP_${answer.status}`) };
    if (answer.body.status === 'FAILED')
      return { kind: 'failed', reason: String(answer.body.failureCode ?? 'BANK_FAILED') };
    const amountFen = fenOf(answer.body.amountFen);
    if (amountFen === undefined) return { kind: 'unavailable', reason: 'AMOUNT_MISSING' };
    return { kind: 'sent', amountFen };
  }

  async #post(path: string, body: unknown): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(`${this.#options.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      // Timeouts and refused connections say nothing about the outcome; only the error's class is kept.
      return {
        kind: 'unreachable',
        reason: error instanceof Error && error.name === 'TimeoutError' ? 'TIMEOUT' : 'CONNECTION',
      };
    }
    // A declared length over the bound is refused unread; an undeclared one is checked after reading.
    const declaredBytes = Number(response.headers.get('content-length') ?? '0');
    if (declaredBytes > this.#options.responseBytesMax) {
      await response.body?.cancel();
      return { kind: 'unreachable', reason: 'RESPONSE_TOO_LARGE' };
    }
    const text = await response.text();
    if (Buffer.byteLength(text) > this.#options.responseBytesMax)
      return { kind: 'unreachable', reason: 'RESPONSE_TOO_LARGE' };
    return { kind: 'answer', status: response.status, body: parseObject(text) };
  }
}

function parseObject(text: string): Record<string, unknown> {
  if (text.length === 0) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    // A non-JSON body is treated as empty: every caller then answers `unavailable` or an error code.
    return {};
  }
}

function errorCodeOf(body: Record<string, unknown>, fallback: string): string {
  const code = body.error ?? body.code;
  return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : fallback;
}

/** Integer fen or undefined (the caller then reports the deposit unavailable rather than guess an amount). */
function fenOf(value: unknown): Fen | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return parseFen(String(value));
}
