/**
 * Wallet providers as the platform and the tests see them: customer-presented payments (被扫) with
 * USERPAYING and polling, merchant-presented orders (主扫) paid by a wallet user over the admin API,
 * revoke/close, refunds, and signed callbacks handed to a dispatcher. Time comes from the clock and
 * randomness from an injected source so tests can drive every knob deterministically.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { Clock } from '../domain/clock.ts';
import {
  checkRefund,
  checkRevoke,
  isFinalStatus,
  MERCHANT_ORDER_EXPIRY_MS_DEFAULT,
  paymentCode,
  providerOfPaymentCode,
  WALLET_RULES,
  type WalletOrder,
  type WalletProvider,
} from '../domain/wallet.ts';
import { LIMITS } from '../limits.ts';
import type { IssuedPaymentCode, WalletStore, WalletUser } from '../store/wallet-store.ts';

export interface WalletFaults {
  /** Every platform-facing provider answer (micropay, orders, query, revoke, refunds) waits this long, ms. */
  latencyMs: number;
  /** Share (0..1) of customer-presented payments answered SYSTEMERROR although they went through. */
  systemErrorRate: number;
  /** Every customer-presented payment waits this long for the user's password (USERPAYING), ms. */
  slowUserMs: number;
  /** Share of callbacks never sent, of callbacks sent twice; base and random extra delay in ms. */
  lostCallbackRate: number;
  duplicateCallbackRate: number;
  callbackDelayMs: number;
  callbackJitterMs: number;
}

export const NO_WALLET_FAULTS: WalletFaults = {
  latencyMs: 0,
  systemErrorRate: 0,
  slowUserMs: 0,
  lostCallbackRate: 0,
  duplicateCallbackRate: 0,
  callbackDelayMs: 0,
  callbackJitterMs: 0,
};

export type WalletEventType = 'PAYMENT_SUCCESS' | 'REFUND_SUCCESS';

export interface WalletCallback {
  readonly order: WalletOrder;
  readonly eventType: WalletEventType;
  readonly outRefundNo: string | undefined;
  readonly refundFen: Fen | undefined;
  /** Delay before the first delivery attempt, in ms. */
  readonly delayMs: number;
  /** 1 normally, 2 for an injected duplicate. */
  readonly copies: number;
}

export interface CallbackDispatcher {
  dispatch(callback: WalletCallback): void;
}

export type WalletResult<T> = { ok: true; value: T } | { ok: false; errorCode: WalletErrorCode };

export type WalletErrorCode =
  | 'USER_NOT_FOUND'
  | 'STORE_FULL'
  | 'AUTH_CODE_INVALID'
  | 'AUTH_CODE_EXPIRED'
  | 'PROVIDER_MISMATCH'
  | 'OUT_TRADE_NO_USED'
  | 'NOTENOUGH'
  | 'SYSTEMERROR'
  | 'ORDER_NOT_FOUND'
  | 'ORDER_PAID'
  | 'ORDER_CLOSED'
  | 'REVOKE_TOO_EARLY'
  | 'REFUND_NOT_ALLOWED'
  | 'REFUND_EXCEEDS_PAID'
  | 'INVALID_AMOUNT'
  | 'OUT_REFUND_NO_USED';

export interface OrderInput {
  readonly outTradeNo: string;
  readonly merchantId: string;
  readonly amountFen: Fen;
  readonly description: string;
  readonly notifyUrl: string | undefined;
}

function failure<T>(errorCode: WalletErrorCode): WalletResult<T> {
  return { ok: false, errorCode };
}

function success<T>(value: T): WalletResult<T> {
  return { ok: true, value };
}

export class WalletFlow {
  private readonly store: WalletStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly dispatcher: CallbackDispatcher;
  private readonly defaultNotifyUrl: (provider: WalletProvider) => string;
  faults: WalletFaults = { ...NO_WALLET_FAULTS };

  constructor(options: {
    store: WalletStore;
    clock: Clock;
    random: () => number;
    dispatcher: CallbackDispatcher;
    defaultNotifyUrl: (provider: WalletProvider) => string;
  }) {
    this.store = options.store;
    this.clock = options.clock;
    this.random = options.random;
    this.dispatcher = options.dispatcher;
    this.defaultNotifyUrl = options.defaultNotifyUrl;
  }

  createUser(provider: WalletProvider, balanceFen: Fen, requiresPassword: boolean): WalletResult<WalletUser> {
    assert(balanceFen >= 0n, 'a wallet starts with a non-negative balance');
    const user: WalletUser = { userId: `wu_${this.store.nextSequence()}`, provider, balanceFen, requiresPassword };
    return this.store.addUser(user) ? success(user) : failure('STORE_FULL');
  }

  user(userId: string): WalletUser | undefined {
    return this.store.users.get(userId);
  }

  issuePaymentCode(userId: string): WalletResult<IssuedPaymentCode> {
    const user = this.store.users.get(userId);
    if (user === undefined) return failure('USER_NOT_FOUND');
    if (this.store.codes.size >= LIMITS.walletPaymentCodesMax) return failure('STORE_FULL');
    const sequence = this.store.nextSequence();
    const digits = `${sequence.toString().padStart(8, '0').slice(-8)}${this.randomDigits(12)}`;
    const code = paymentCode(user.provider, sequence, digits);
    const issued = { code, userId, expiresAtMs: this.clock() + LIMITS.walletPaymentCodeTtlMs, used: false };
    this.store.codes.set(code, issued);
    return success(issued);
  }

  /** Customer-presented payment: the platform scanned code and asks for amountFen. */
  micropay(provider: WalletProvider, input: OrderInput, code: string): WalletResult<WalletOrder> {
    const existing = this.store.byTradeNo(provider, input.outTradeNo);
    if (existing !== undefined) return this.repeatedMicropay(existing, input, code);
    if (providerOfPaymentCode(code) !== provider) return failure('PROVIDER_MISMATCH');
    const issued = this.store.codes.get(code);
    const nowMs = this.clock();
    if (issued === undefined || issued.used) return failure('AUTH_CODE_INVALID');
    if (nowMs >= issued.expiresAtMs) return failure('AUTH_CODE_EXPIRED');
    if (input.amountFen <= 0n) return failure('INVALID_AMOUNT');
    const user = this.store.users.get(issued.userId);
    assert(user !== undefined, 'an issued code belongs to a stored user');
    if (user.balanceFen < input.amountFen) return failure('NOTENOUGH');
    const order = this.newOrder(provider, input, 'customerPresented', nowMs, {
      expiresAtMs: nowMs + WALLET_RULES[provider].unpaidCloseMs,
      codeUrl: undefined,
      paymentCode: code,
    });
    if (!this.store.addOrder(order)) return failure('STORE_FULL');
    issued.used = true;
    order.userId = user.userId;
    // A password user waits for a decision over the admin API; the slow-user knob confirms by itself.
    const slowUserMs = this.faults.slowUserMs;
    if (user.requiresPassword || slowUserMs > 0) {
      order.status = 'USERPAYING';
      order.userConfirmsAtMs = slowUserMs > 0 ? nowMs + slowUserMs : undefined;
    } else {
      this.pay(order, user, nowMs);
    }
    if (this.random() < this.faults.systemErrorRate) return failure('SYSTEMERROR');
    return success(order);
  }

  private repeatedMicropay(existing: WalletOrder, input: OrderInput, code: string): WalletResult<WalletOrder> {
    const same = existing.amountFen === input.amountFen && existing.paymentCode === code;
    return same ? success(existing) : failure('OUT_TRADE_NO_USED');
  }

  /** Merchant-presented order: returns the code URL the platform shows as a QR code. */
  createOrder(provider: WalletProvider, input: OrderInput, expiresInMs: number | undefined): WalletResult<WalletOrder> {
    const existing = this.store.byTradeNo(provider, input.outTradeNo);
    if (existing !== undefined) {
      return existing.amountFen === input.amountFen && existing.flow === 'merchantPresented'
        ? success(existing)
        : failure('OUT_TRADE_NO_USED');
    }
    if (input.amountFen <= 0n) return failure('INVALID_AMOUNT');
    const nowMs = this.clock();
    const token = `${this.store.nextSequence().toString(36)}${this.randomDigits(10)}`;
    const order = this.newOrder(provider, input, 'merchantPresented', nowMs, {
      expiresAtMs: nowMs + (expiresInMs ?? MERCHANT_ORDER_EXPIRY_MS_DEFAULT),
      codeUrl: `${WALLET_RULES[provider].codeUrlPrefix}${token}`,
      paymentCode: undefined,
    });
    return this.store.addOrder(order) ? success(order) : failure('STORE_FULL');
  }

  /** A wallet user scans a merchant-presented code and pays (driven by tests over the admin API). */
  userPaysCodeUrl(userId: string, codeUrl: string): WalletResult<WalletOrder> {
    const user = this.store.users.get(userId);
    if (user === undefined) return failure('USER_NOT_FOUND');
    const order = this.store.byCodeUrl(codeUrl);
    if (order === undefined) return failure('ORDER_NOT_FOUND');
    if (order.provider !== user.provider) return failure('PROVIDER_MISMATCH');
    this.expireIfDue(order, this.clock());
    if (order.status === 'SUCCESS') return failure('ORDER_PAID');
    if (order.status !== 'NOTPAY') return failure('ORDER_CLOSED');
    if (user.balanceFen < order.amountFen) return failure('NOTENOUGH');
    order.userId = user.userId;
    this.pay(order, user, this.clock());
    return success(order);
  }

  /** Test control of a USERPAYING order: the user confirms (pays) or cancels (closes). */
  userDecides(orderId: string, decision: 'confirm' | 'cancel'): WalletResult<WalletOrder> {
    const order = this.store.ordersById.get(orderId);
    if (order === undefined) return failure('ORDER_NOT_FOUND');
    const nowMs = this.clock();
    this.expireIfDue(order, nowMs);
    if (order.status !== 'USERPAYING') return failure(order.status === 'SUCCESS' ? 'ORDER_PAID' : 'ORDER_CLOSED');
    if (decision === 'cancel') {
      this.finish(order, WALLET_RULES[order.provider].closedStatus);
      return success(order);
    }
    const user = this.store.users.get(order.userId ?? '');
    assert(user !== undefined, 'a USERPAYING order has its user');
    if (user.balanceFen < order.amountFen) this.finish(order, 'PAYERROR');
    else this.pay(order, user, nowMs);
    return success(order);
  }

  query(provider: WalletProvider, outTradeNo: string): WalletOrder | undefined {
    const order = this.store.byTradeNo(provider, outTradeNo);
    if (order !== undefined) this.expireIfDue(order, this.clock());
    return order;
  }

  order(orderId: string): WalletOrder | undefined {
    return this.store.ordersById.get(orderId);
  }

  /** Revoke (WeChat 撤销) or cancel (Alipay): a paid order is refunded in full, an unpaid one closed. */
  revoke(provider: WalletProvider, outTradeNo: string): WalletResult<WalletOrder> {
    const order = this.query(provider, outTradeNo);
    if (order === undefined) return failure('ORDER_NOT_FOUND');
    const check = checkRevoke(order, this.clock());
    if (check === 'alreadyClosed') return success(order);
    if (check === 'tooEarly') return failure('REVOKE_TOO_EARLY');
    if (check === 'refunded') return failure('REFUND_NOT_ALLOWED');
    if (order.status === 'SUCCESS') this.creditUser(order, order.amountFen);
    this.finish(order, 'REVOKED');
    return success(order);
  }

  /** Close an unpaid order (关单); a paid order cannot be closed. */
  close(provider: WalletProvider, outTradeNo: string): WalletResult<WalletOrder> {
    const order = this.query(provider, outTradeNo);
    if (order === undefined) return failure('ORDER_NOT_FOUND');
    if (order.status === 'SUCCESS') return failure('ORDER_PAID');
    if (order.status === 'NOTPAY' || order.status === 'USERPAYING') this.finish(order, 'CLOSED');
    return success(order);
  }

  /** Refund, idempotent by outRefundNo (the same number with the same amount answers the same refund). */
  refund(provider: WalletProvider, outTradeNo: string, outRefundNo: string, amountFen: Fen): WalletResult<WalletOrder> {
    const order = this.query(provider, outTradeNo);
    if (order === undefined) return failure('ORDER_NOT_FOUND');
    const previous = order.refunds.get(outRefundNo);
    if (previous !== undefined)
      return previous.amountFen === amountFen ? success(order) : failure('OUT_REFUND_NO_USED');
    const check = checkRefund(order, amountFen);
    if (check === 'notPaid') return failure('REFUND_NOT_ALLOWED');
    if (check === 'invalidAmount') return failure('INVALID_AMOUNT');
    if (check === 'exceedsPaid') return failure('REFUND_EXCEEDS_PAID');
    const nowMs = this.clock();
    order.refunds.set(outRefundNo, {
      outRefundNo,
      refundId: `wr_${this.store.nextSequence()}`,
      amountFen,
      refundedAtMs: nowMs,
    });
    order.refundedFen = (order.refundedFen + amountFen) as Fen;
    this.creditUser(order, amountFen);
    this.sendCallback(order, 'REFUND_SUCCESS', outRefundNo, amountFen);
    return success(order);
  }

  /** Completes slow users whose time came and closes unpaid orders past their expiry. */
  sweep(): void {
    const nowMs = this.clock();
    for (const order of this.store.pending) this.expireIfDue(order, nowMs);
    for (const [code, issued] of this.store.codes) {
      if (issued.used || nowMs >= issued.expiresAtMs) this.store.codes.delete(code);
    }
  }

  private expireIfDue(order: WalletOrder, nowMs: number): void {
    if (order.status === 'USERPAYING' && order.userConfirmsAtMs !== undefined && nowMs >= order.userConfirmsAtMs) {
      if (order.userConfirmsAtMs < order.expiresAtMs) {
        const user = this.store.users.get(order.userId ?? '');
        assert(user !== undefined, 'a USERPAYING order has its user');
        if (user.balanceFen >= order.amountFen) this.pay(order, user, order.userConfirmsAtMs);
        else this.finish(order, 'PAYERROR');
        return;
      }
    }
    if ((order.status === 'NOTPAY' || order.status === 'USERPAYING') && nowMs >= order.expiresAtMs) {
      this.finish(order, WALLET_RULES[order.provider].closedStatus);
    }
  }

  private pay(order: WalletOrder, user: WalletUser, paidAtMs: number): void {
    assert(user.balanceFen >= order.amountFen, 'a wallet pays only what it holds');
    user.balanceFen = (user.balanceFen - order.amountFen) as Fen;
    order.paidAtMs = paidAtMs;
    this.finish(order, 'SUCCESS');
    this.sendCallback(order, 'PAYMENT_SUCCESS', undefined, undefined);
  }

  private creditUser(order: WalletOrder, amountFen: Fen): void {
    const user = this.store.users.get(order.userId ?? '');
    assert(user !== undefined, 'a paid order has its user');
    user.balanceFen = (user.balanceFen + amountFen) as Fen;
  }

  private finish(order: WalletOrder, status: WalletOrder['status']): void {
    assert(isFinalStatus(status), 'finish sets a final status');
    order.status = status;
    order.userConfirmsAtMs = undefined;
    this.store.pending.delete(order);
  }

  private sendCallback(order: WalletOrder, eventType: WalletEventType, outRefundNo?: string, refundFen?: Fen): void {
    const faults = this.faults;
    if (this.random() < faults.lostCallbackRate) return;
    const delayMs = faults.callbackDelayMs + Math.floor(this.random() * faults.callbackJitterMs);
    const copies = this.random() < faults.duplicateCallbackRate ? 2 : 1;
    this.dispatcher.dispatch({ order, eventType, outRefundNo, refundFen, delayMs, copies });
  }

  private newOrder(
    provider: WalletProvider,
    input: OrderInput,
    flow: WalletOrder['flow'],
    nowMs: number,
    extra: Pick<WalletOrder, 'expiresAtMs' | 'codeUrl' | 'paymentCode'>,
  ): WalletOrder {
    return {
      orderId: `wo_${this.store.nextSequence()}`,
      provider,
      flow,
      outTradeNo: input.outTradeNo,
      merchantId: input.merchantId,
      amountFen: input.amountFen,
      description: input.description,
      createdAtMs: nowMs,
      expiresAtMs: extra.expiresAtMs,
      notifyUrl: input.notifyUrl ?? this.defaultNotifyUrl(provider),
      codeUrl: extra.codeUrl,
      paymentCode: extra.paymentCode,
      status: 'NOTPAY',
      userId: undefined,
      userConfirmsAtMs: undefined,
      paidAtMs: undefined,
      refundedFen: 0n as Fen,
      refunds: new Map(),
    };
  }

  private randomDigits(count: number): string {
    let digits = '';
    for (let index = 0; index < count; index += 1) digits += Math.floor(this.random() * 10).toString();
    return digits;
  }
}
