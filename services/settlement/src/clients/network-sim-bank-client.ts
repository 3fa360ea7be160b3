/**
 * Bank rails over HTTP (network-sim's bank and wallet APIs in development; a real bank gateway has
 * the same shape: submit with our id, query by our id). Every call has a timeout; a timeout, a
 * connection error or a 5xx is `unknown` (the request may have been executed), never a failure.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type {
  BankRailsPort,
  DebitChannel,
  DebitOutcome,
  DebitRequest,
  PayoutInstruction,
  QueryOutcome,
  SubmitOutcome,
} from '../domain/bank-rails.ts';

/** Turns the stored encrypted account number into the clear one for the bank message (HSM-backed in production). */
export type AccountNumberReveal = (accountNumberEncrypted: string) => string;

export type BankClientOptions = {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly revealAccountNumber: AccountNumberReveal;
  /** The platform's merchant id at the wallets, used for wallet repayments. */
  readonly walletMerchantId: string;
};

type TransferView = { status?: unknown; failureCode?: unknown };
type WalletView = { resultCode?: unknown; errorCode?: unknown; order?: { status?: unknown } | null };
type HttpAnswer = { kind: 'answer'; status: number; body: unknown } | { kind: 'unreachable'; reason: string };

export class NetworkSimBankClient implements BankRailsPort {
  readonly #options: BankClientOptions;

  constructor(options: BankClientOptions) {
    assert(options.timeoutMs > 0, 'bank calls have a timeout');
    assert(/^https?:\/\//.test(options.baseUrl), 'the bank URL is http(s)');
    this.#options = options;
  }

  async submitPayout(instruction: PayoutInstruction): Promise<SubmitOutcome> {
    const answer = await this.#call('POST', '/bank/payouts', {
      payoutId: instruction.instructionId,
      accountNumber: this.#options.revealAccountNumber(instruction.accountNumberEncrypted),
      accountName: instruction.holderName,
      amountFen: instruction.amountFen.toString(),
    });
    if (answer.kind === 'unreachable') return { kind: 'unknown', reason: answer.reason };
    // 409: this id exists with another body; what happened to it is learnt by querying, not guessed.
    if (answer.status >= 500 || answer.status === 409) return { kind: 'unknown', reason: `HTTP_${answer.status}` };
    if (answer.status >= 400) return { kind: 'rejected', reason: `HTTP_${answer.status}` };
    const view = answer.body as TransferView;
    if (view.status === 'FAILED') return { kind: 'rejected', reason: String(view.failureCode ?? 'BANK_FAILED') };
    return { kind: 'accepted' };
  }

  async queryPayout(instructionId: string): Promise<QueryOutcome> {
    const answer = await this.#call('GET', `/bank/payouts/${encodeURIComponent(instructionId)}`, undefined);
    if (answer.kind === 'unreachable') return { kind: 'unknown', reason: answer.reason };
    if (answer.status === 404) return { kind: 'not_found' };
    if (answer.status !== 200) return { kind: 'unknown', reason: `HTTP_${answer.status}` };
    const view = answer.body as TransferView;
    if (view.status === 'SUCCESS') return { kind: 'succeeded' };
    if (view.status === 'FAILED') return { kind: 'failed', reason: String(view.failureCode ?? 'BANK_FAILED') };
    return { kind: 'processing' };
  }

  async debit(request: DebitRequest): Promise<DebitOutcome> {
    if (request.payer.method === 'wallet')
      return this.#walletDebit(request.debitId, request.amountFen, request.payer.provider, request.payer.paymentCode);
    const answer = await this.#call('POST', '/bank/debits', {
      debitId: request.debitId,
      accountNumber: this.#options.revealAccountNumber(request.payer.accountNumberEncrypted),
      accountName: request.payer.holderName,
      amountFen: request.amountFen.toString(),
    });
    return debitOutcomeOf(answer);
  }

  async queryDebit(debitId: string, channel: DebitChannel): Promise<DebitOutcome> {
    if (channel.method === 'wallet') {
      const path = `/wallet/${encodeURIComponent(channel.provider)}/orders/${encodeURIComponent(debitId)}`;
      return walletOutcomeOf(await this.#call('GET', path, undefined));
    }
    const answer = await this.#call('GET', `/bank/debits/${encodeURIComponent(debitId)}`, undefined);
    if (answer.kind === 'answer' && answer.status === 404) return { kind: 'failed', reason: 'NOT_RECEIVED' };
    return debitOutcomeOf(answer);
  }

  async #walletDebit(debitId: string, amountFen: Fen, provider: string, paymentCode: string): Promise<DebitOutcome> {
    const answer = await this.#call('POST', `/wallet/${encodeURIComponent(provider)}/micropay`, {
      outTradeNo: debitId,
      merchantId: this.#options.walletMerchantId,
      amountFen: amountFen.toString(),
      description: 'bill repayment',
      paymentCode,
    });
    return walletOutcomeOf(answer);
  }

  async #call(method: 'GET' | 'POST', path: string, body: unknown): Promise<HttpAnswer> {
    try {
      const init: RequestInit = { method, signal: AbortSignal.timeout(this.#options.timeoutMs) };
      if (body !== undefined) {
        init.headers = { 'content-type': 'application/json' };
        init.body = JSON.stringify(body);
      }
      const response = await fetch(`${this.#options.baseUrl}${path}`, init);
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      return {
        kind: 'answer',
        status: response.status,
        body: contentType.includes('json') && text !== '' ? JSON.parse(text) : text,
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      return { kind: 'unreachable', reason: name === 'TimeoutError' ? 'TIMEOUT' : 'CONNECTION_FAILED' };
    }
  }
}

function debitOutcomeOf(answer: HttpAnswer): DebitOutcome {
  if (answer.kind === 'unreachable') return { kind: 'unknown', reason: answer.reason };
  if (answer.status >= 500 || answer.status === 409) return { kind: 'unknown', reason: `HTTP_${answer.status}` };
  if (answer.status >= 400) return { kind: 'failed', reason: `HTTP_${answer.status}` };
  const view = answer.body as TransferView;
  if (view.status === 'SUCCESS') return { kind: 'succeeded' };
  if (view.status === 'FAILED' && view.failureCode === 'INSUFFICIENT_FUNDS') return { kind: 'insufficient_funds' };
  if (view.status === 'FAILED') return { kind: 'failed', reason: String(view.failureCode ?? 'BANK_FAILED') };
  return { kind: 'unknown', reason: `STATUS_${String(view.status)}` };
}

function walletOutcomeOf(answer: HttpAnswer): DebitOutcome {
  if (answer.kind === 'unreachable') return { kind: 'unknown', reason: answer.reason };
  if (answer.status !== 200)
    return answer.status >= 500
      ? { kind: 'unknown', reason: `HTTP_${answer.status}` }
      : { kind: 'failed', reason: `HTTP_${answer.status}` };
  const view = answer.body as WalletView;
  if (view.resultCode === 'FAIL') {
    if (view.errorCode === 'NOTENOUGH') return { kind: 'insufficient_funds' };
    if (view.errorCode === 'SYSTEMERROR') return { kind: 'unknown', reason: 'SYSTEMERROR' };
    return { kind: 'failed', reason: String(view.errorCode ?? 'WALLET_FAILED') };
  }
  const status = view.order?.status;
  if (status === 'SUCCESS') return { kind: 'succeeded' };
  if (status === 'NOTPAY' || status === 'USERPAYING') return { kind: 'unknown', reason: `WALLET_${status}` };
  return { kind: 'failed', reason: `WALLET_${String(status)}` };
}
