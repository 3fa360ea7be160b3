/**
 * Setting up a running platform over its public edges, for the end-to-end tests, `acq pos` and
 * `acq bench`: operator and merchant tokens, merchant onboarding (application -> approval), terminal
 * registration and activation over the gateway's HTTP API, and test cards at network-sim.
 */
import { DEV_ACCESS_TOKEN_SECRET, issueAccessToken } from '@acq/access';
import { assert } from '@acq/assert';

export const GATEWAY_HTTP_URL = 'http://127.0.0.1:8080';
export const NETWORK_SIM_URL = 'http://127.0.0.1:8601';
/** Every setup call is a single short request; a slower answer means the platform is not healthy. */
export const PLATFORM_HTTP_TIMEOUT_MS = 10_000;
/**
 * A 429 (the gateway's per-token rate limit) is retried after its Retry-After, this many times: the
 * gateway refuses it before calling any service, so even a POST is safe to send again.
 */
export const PLATFORM_HTTP_RATE_LIMITED_RETRIES_MAX = 5;
const MS_PER_SECOND = 1000;

/** Where the platform answers, and the secret its gateway verifies access tokens with. */
export interface PlatformEndpoints {
  apiUrl: string;
  networkSimUrl: string;
  accessTokenSecret: string;
}

export const LOCAL_PLATFORM: PlatformEndpoints = {
  apiUrl: GATEWAY_HTTP_URL,
  networkSimUrl: NETWORK_SIM_URL,
  accessTokenSecret: DEV_ACCESS_TOKEN_SECRET,
};

export function operatorToken(endpoints: PlatformEndpoints = LOCAL_PLATFORM): string {
  return issueAccessToken({
    secret: endpoints.accessTokenSecret,
    subject: 'e2e-operator',
    role: 'operator',
    nowMs: Date.now(),
  });
}

export function merchantToken(merchantId: string, endpoints: PlatformEndpoints = LOCAL_PLATFORM): string {
  return issueAccessToken({
    secret: endpoints.accessTokenSecret,
    subject: `e2e-${merchantId}`,
    role: 'merchant',
    merchantId,
    nowMs: Date.now(),
  });
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function http<T = Record<string, unknown>>(
  method: string,
  url: string,
  options: { token?: string; body?: unknown } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(PLATFORM_HTTP_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status === 429 && attempt < PLATFORM_HTTP_RATE_LIMITED_RETRIES_MAX) {
      const retryAfterSeconds = Number(response.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, retryAfterSeconds) * MS_PER_SECOND));
      continue;
    }
    const body = (text.length === 0 ? {} : JSON.parse(text)) as T;
    return { status: response.status, body };
  }
}

export function expectStatus<T>(result: HttpResult<T>, status: number, what: string): T {
  assert(
    result.status === status,
    `${what}: expected HTTP ${status}, got ${result.status} ${JSON.stringify(result.body)}`,
  );
  return result.body;
}

/** Resident ID numbers with a valid GB 11643 check digit, varied by a sequence number. */
export function residentIdNumber(sequence: number): string {
  const body = `11010519900101${String(sequence % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, index) => total + Number(digit) * (weights[index] as number), 0);
  return `${body}${'10X98765432'[sum % 11]}`;
}

export interface OnboardedMerchant {
  merchantId: string;
  merchantNumber: string;
}

export interface OnboardedTerminal extends OnboardedMerchant {
  terminalId: string;
  tmkHex: string;
}

/** Application -> approval over the HTTP API; returns the approved merchant. */
export async function onboardMerchant(
  sequence: number,
  mcc = '5812',
  endpoints: PlatformEndpoints = LOCAL_PLATFORM,
): Promise<OnboardedMerchant> {
  const operator = operatorToken(endpoints);
  const application = expectStatus(
    await http<{ id: string }>('POST', `${endpoints.apiUrl}/v1/merchant-applications`, {
      token: operator,
      body: {
        merchantType: 'individual',
        legalName: `测试商户${sequence}`,
        idNumber: residentIdNumber(sequence),
        phone: `138${String(sequence % 100_000_000).padStart(8, '0')}`,
        businessName: `测试小吃店${sequence}`,
        businessAddress: '上海市浦东新区世纪大道100号',
        areaCode: '2900',
        mcc,
        settlementCardNumber: '6222021234567890128',
      },
    }),
    201,
    'submit application',
  );
  const approved = expectStatus(
    await http<{ merchantId: string }>(
      'POST',
      `${endpoints.apiUrl}/v1/merchant-applications/${application.id}/approve`,
      {
        token: operator,
        body: {},
      },
    ),
    200,
    'approve application',
  );
  const merchant = expectStatus(
    await http<{ merchantNumber: string }>('GET', `${endpoints.apiUrl}/v1/merchants/${approved.merchantId}`, {
      token: operator,
    }),
    200,
    'read merchant',
  );
  return { merchantId: approved.merchantId, merchantNumber: merchant.merchantNumber };
}

/** Registers a terminal under the merchant and returns its serial number and one-time code. */
export async function registerTerminal(
  merchantId: string,
  serialNumber: string,
  endpoints: PlatformEndpoints = LOCAL_PLATFORM,
): Promise<{ terminalId: string; activationCode: string }> {
  return expectStatus(
    await http<{ terminalId: string; activationCode: string }>(
      'POST',
      `${endpoints.apiUrl}/v1/merchants/${merchantId}/terminals`,
      { token: operatorToken(endpoints), body: { serialNumber, model: 'LANDI-A8' } },
    ),
    201,
    'register terminal',
  );
}

export interface ActivatedTerminal {
  terminalId: string;
  merchantId: string;
  merchantNumber: string;
  tmk: string;
  tmkCheckValue: string;
}

/** The installer's step: no token, the one-time activation code is the credential. */
export async function activateTerminal(
  serialNumber: string,
  activationCode: string,
  endpoints: PlatformEndpoints = LOCAL_PLATFORM,
): Promise<HttpResult<ActivatedTerminal>> {
  return http<ActivatedTerminal>('POST', `${endpoints.apiUrl}/v1/terminals/activate`, {
    body: { serialNumber, activationCode },
  });
}

/** A serial number unique across runs: time, the caller's sequence, the terminal's index. */
export function uniqueSerialNumber(sequence: number, index = 0): string {
  return `SN${Date.now().toString(36)}${sequence}X${index}`.toUpperCase();
}

/** Registers and activates one more terminal for an onboarded merchant. */
export async function addActivatedTerminal(
  merchant: OnboardedMerchant,
  serialNumber: string,
  endpoints: PlatformEndpoints = LOCAL_PLATFORM,
): Promise<OnboardedTerminal> {
  const registered = await registerTerminal(merchant.merchantId, serialNumber, endpoints);
  const activated = expectStatus(
    await activateTerminal(serialNumber, registered.activationCode, endpoints),
    200,
    'activate terminal',
  );
  assert(activated.merchantId === merchant.merchantId, 'the terminal binds to the merchant it was registered for');
  return { ...merchant, terminalId: activated.terminalId, tmkHex: activated.tmk };
}

/** Application -> approval -> terminal registration -> activation, all over the HTTP API. */
export async function onboardMerchantWithTerminal(
  sequence: number,
  mcc = '5812',
  endpoints: PlatformEndpoints = LOCAL_PLATFORM,
): Promise<OnboardedTerminal> {
  const merchant = await onboardMerchant(sequence, mcc, endpoints);
  return addActivatedTerminal(merchant, uniqueSerialNumber(sequence), endpoints);
}

export interface SimulatedCard {
  pan: string;
  expiryYymm: string;
  pin: string;
}

export async function createCard(
  options: { balanceFen: number | bigint; kind?: 'debit' | 'credit'; pin?: string; expiry?: string; status?: string },
  endpoints: PlatformEndpoints = LOCAL_PLATFORM,
): Promise<SimulatedCard> {
  const pin = options.pin ?? '123456';
  const expiry = options.expiry ?? '3012';
  const created = expectStatus(
    await http<{ pan: string; expiry: string }>('POST', `${endpoints.networkSimUrl}/cards`, {
      body: {
        pin,
        expiry,
        kind: options.kind ?? 'debit',
        balanceFen: String(options.balanceFen),
        ...(options.status === undefined ? {} : { status: options.status }),
      },
    }),
    201,
    'create card',
  );
  return { pan: created.pan, expiryYymm: created.expiry, pin };
}

export async function cardBalanceFen(pan: string, endpoints: PlatformEndpoints = LOCAL_PLATFORM): Promise<bigint> {
  const card = expectStatus(
    await http<{ balanceFen: string }>('GET', `${endpoints.networkSimUrl}/cards/${pan}`),
    200,
    'read card',
  );
  return BigInt(card.balanceFen);
}
