import { issueAccessToken } from '@acq/access';
import { assert } from '@acq/assert';

export const GATEWAY_HTTP_URL = 'http://127.0.0.1:8080';
export const NETWORK_SIM_URL = 'http://127.0.0.1:8601';
/** The local start's access-token secret (platformVariables.ACCESS_TOKEN_SECRET default). */
const DEV_ACCESS_TOKEN_SECRET = 'dev-access-token-secret-change-me';
const HTTP_TIMEOUT_MS = 10_000;

export function operatorToken(): string {
  return issueAccessToken({
    secret: DEV_ACCESS_TOKEN_SECRET,
    subject: 'e2e-operator',
    role: 'operator',
    nowMs: Date.now(),
  });
}

export function merchantToken(merchantId: string): string {
  return issueAccessToken({
    secret: DEV_ACCESS_TOKEN_SECRET,
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
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await response.text();
  const body = (text.length === 0 ? {} : JSON.parse(text)) as T;
  return { status: response.status, body };
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

export interface OnboardedTerminal {
  merchantId: string;
  merchantNumber: string;
  terminalId: string;
  tmkHex: string;
}

/** Application -> approval -> terminal registration -> activation, all over the HTTP API. */
export async function onboardMerchantWithTerminal(sequence: number, mcc = '5812'): Promise<OnboardedTerminal> {
  const operator = operatorToken();
  const application = expectStatus(
    await http<{ id: string }>('POST', `${GATEWAY_HTTP_URL}/v1/merchant-applications`, {
      token: operator,
      body: {
        merchantType: 'individual',
        legalName: `测试商户${sequence}`,
        idNumber: residentIdNumber(sequence),
        phone: `138${String(sequence).padStart(8, '0')}`,
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
      `${GATEWAY_HTTP_URL}/v1/merchant-applications/${application.id}/approve`,
      {
        token: operator,
        body: {},
      },
    ),
    200,
    'approve application',
  );
  const merchant = expectStatus(
    await http<{ merchantNumber: string }>('GET', `${GATEWAY_HTTP_URL}/v1/merchants/${approved.merchantId}`, {
      token: operator,
    }),
    200,
    'read merchant',
  );
  const serialNumber = `SN${Date.now().toString(36)}${sequence}`.toUpperCase();
  const registered = expectStatus(
    await http<{ terminalId: string; activationCode: string }>(
      'POST',
      `${GATEWAY_HTTP_URL}/v1/merchants/${approved.merchantId}/terminals`,
      { token: operator, body: { serialNumber, model: 'LANDI-A8' } },
    ),
    201,
    'register terminal',
  );
  const activated = expectStatus(
    await http<{ terminalId: string; tmk: string }>('POST', `${GATEWAY_HTTP_URL}/v1/terminals/activate`, {
      body: { serialNumber, activationCode: registered.activationCode },
    }),
    200,
    'activate terminal',
  );
  return {
    merchantId: approved.merchantId,
    merchantNumber: merchant.merchantNumber,
    terminalId: activated.terminalId,
    tmkHex: activated.tmk,
  };
}

export interface SimulatedCard {
  pan: string;
  expiryYymm: string;
  pin: string;
}

export async function createCard(options: {
  balanceFen: number;
  kind?: 'debit' | 'credit';
  pin?: string;
  expiry?: string;
  status?: string;
}): Promise<SimulatedCard> {
  const pin = options.pin ?? '123456';
  const expiry = options.expiry ?? '3012';
  const created = expectStatus(
    await http<{ pan: string; expiry: string }>('POST', `${NETWORK_SIM_URL}/cards`, {
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

export async function cardBalanceFen(pan: string): Promise<bigint> {
  const card = expectStatus(
    await http<{ balanceFen: string }>('GET', `${NETWORK_SIM_URL}/cards/${pan}`),
    200,
    'read card',
  );
  return BigInt(card.balanceFen);
}
