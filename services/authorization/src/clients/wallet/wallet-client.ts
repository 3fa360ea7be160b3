/**
 * HTTP client of the wallet providers (network-sim in development: /wallet/{provider}/...). Business
 * refusals come back as `{ kind: 'fail', errorCode }`; a transport error, timeout or provider
 * SYSTEMERROR is `{ kind: 'unknown' }`: the payment may or may not have happened, so the caller must
 * query. The payment code is sent to the provider and never logged.
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';

export type WalletProviderName = 'wechat' | 'alipay' | 'unionpay';

export interface WalletOrderView {
  readonly orderId: string;
  readonly outTradeNo: string;
  readonly status: string;
  readonly amountFen: Fen;
  readonly codeUrl: string;
  readonly paidAtMs: number;
  readonly refundedFen: Fen;
  readonly refunds: readonly { readonly outRefundNo: string; readonly amountFen: Fen }[];
}

export type WalletAnswer =
  | { readonly kind: 'ok'; readonly order: WalletOrderView }
  | { readonly kind: 'fail'; readonly errorCode: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export interface WalletOrderInput {
  readonly outTradeNo: string;
  readonly merchantNumber: string;
  readonly amountFen: Fen;
  readonly description: string;
}

/** What the QR flows use of the providers; tests may supply a fake. */
export interface WalletPort {
  micropay(provider: WalletProviderName, input: WalletOrderInput, paymentCode: string): Promise<WalletAnswer>;
  createOrder(
    provider: WalletProviderName,
    input: WalletOrderInput,
    options: { notifyUrl: string; expiresInMs: number },
  ): Promise<WalletAnswer>;
  query(provider: WalletProviderName, outTradeNo: string): Promise<WalletAnswer>;
  revoke(provider: WalletProviderName, outTradeNo: string): Promise<WalletAnswer>;
  close(provider: WalletProviderName, outTradeNo: string): Promise<WalletAnswer>;
  refund(provider: WalletProviderName, outTradeNo: string, outRefundNo: string, amountFen: Fen): Promise<WalletAnswer>;
}

interface RawOrder {
  orderId: string;
  outTradeNo: string;
  status: string;
  amountFen: string;
  codeUrl: string | null;
  paidAt: string | null;
  refundedFen: string;
  refunds: { outRefundNo: string; amountFen: string }[];
}

interface RawAnswer {
  resultCode?: string;
  errorCode?: string | null;
  order?: RawOrder | null;
}

export class HttpWalletClient implements WalletPort {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(options: { baseUrl: string; requestTimeoutMs: number }) {
    assert(/^https?:\/\//.test(options.baseUrl), 'the wallet base URL is http(s)');
    assert(options.requestTimeoutMs > 0, 'wallet calls have a positive timeout');
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.requestTimeoutMs;
  }

  micropay(provider: WalletProviderName, input: WalletOrderInput, paymentCode: string): Promise<WalletAnswer> {
    return this.#send('POST', `/wallet/${provider}/micropay`, { ...orderBody(input), paymentCode });
  }

  createOrder(
    provider: WalletProviderName,
    input: WalletOrderInput,
    options: { notifyUrl: string; expiresInMs: number },
  ): Promise<WalletAnswer> {
    return this.#send('POST', `/wallet/${provider}/orders`, {
      ...orderBody(input),
      notifyUrl: options.notifyUrl,
      expiresInMs: options.expiresInMs,
    });
  }

  query(provider: WalletProviderName, outTradeNo: string): Promise<WalletAnswer> {
    return this.#send('GET', `/wallet/${provider}/orders/${encodeURIComponent(outTradeNo)}`, undefined);
  }

  revoke(provider: WalletProviderName, outTradeNo: string): Promise<WalletAnswer> {
    return this.#send('POST', `/wallet/${provider}/orders/${encodeURIComponent(outTradeNo)}/revoke`, undefined);
  }

  close(provider: WalletProviderName, outTradeNo: string): Promise<WalletAnswer> {
    return this.#send('POST', `/wallet/${provider}/orders/${encodeURIComponent(outTradeNo)}/close`, undefined);
  }

  refund(provider: WalletProviderName, outTradeNo: string, outRefundNo: string, amountFen: Fen): Promise<WalletAnswer> {
    return this.#send('POST', `/wallet/${provider}/orders/${encodeURIComponent(outTradeNo)}/refunds`, {
      outRefundNo,
      amountFen: amountFen.toString(),
    });
  }

  async #send(method: 'GET' | 'POST', path: string, body: Record<string, unknown> | undefined): Promise<WalletAnswer> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(this.#timeoutMs) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    let response: Response;
    let parsed: RawAnswer;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, init);
      parsed = (await response.json()) as RawAnswer;
    } catch (error) {
      return { kind: 'unknown', reason: error instanceof Error ? error.name : 'transport_error' };
    }
    return answerOf(response.status, parsed);
  }
}

function orderBody(input: WalletOrderInput): Record<string, unknown> {
  return {
    outTradeNo: input.outTradeNo,
    merchantId: input.merchantNumber,
    amountFen: input.amountFen.toString(),
    description: input.description,
  };
}

/** Maps a provider answer; exported for the unit tests of the mapping. */
export function answerOf(httpStatus: number, raw: RawAnswer): WalletAnswer {
  if (httpStatus >= 500) return { kind: 'unknown', reason: `http_${httpStatus}` };
  if (httpStatus !== 200) return { kind: 'fail', errorCode: raw.errorCode ?? `HTTP_${httpStatus}` };
  if (raw.resultCode === 'SUCCESS' && raw.order !== undefined && raw.order !== null) {
    return { kind: 'ok', order: orderViewOf(raw.order) };
  }
  const errorCode = raw.errorCode ?? 'UNKNOWN_ERROR';
  // SYSTEMERROR: the provider may have taken the payment; only a query tells.
  if (errorCode === 'SYSTEMERROR') return { kind: 'unknown', reason: errorCode };
  return { kind: 'fail', errorCode };
}

function orderViewOf(raw: RawOrder): WalletOrderView {
  return {
    orderId: raw.orderId,
    outTradeNo: raw.outTradeNo,
    status: raw.status,
    amountFen: fen(BigInt(raw.amountFen)),
    codeUrl: raw.codeUrl ?? '',
    paidAtMs: raw.paidAt === null ? 0 : Date.parse(raw.paidAt),
    refundedFen: fen(BigInt(raw.refundedFen)),
    refunds: raw.refunds.map((refund) => ({
      outRefundNo: refund.outRefundNo,
      amountFen: fen(BigInt(refund.amountFen)),
    })),
  };
}
