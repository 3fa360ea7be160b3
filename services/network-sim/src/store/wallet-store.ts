/**
 * Wallet users, payment codes and orders, in memory. Orders not yet final sit in a pending set so
 * the sweep that closes expired orders and completes slow users touches only those.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { WalletOrder, WalletProvider } from '../domain/wallet.ts';

export interface WalletUser {
  readonly userId: string;
  readonly provider: WalletProvider;
  balanceFen: Fen;
  /** The user types a password for every payment, so customer-presented payments go USERPAYING. */
  requiresPassword: boolean;
}

export interface IssuedPaymentCode {
  readonly code: string;
  readonly userId: string;
  readonly expiresAtMs: number;
  used: boolean;
}

export class WalletStore {
  readonly users = new Map<string, WalletUser>();
  readonly codes = new Map<string, IssuedPaymentCode>();
  readonly ordersById = new Map<string, WalletOrder>();
  readonly pending = new Set<WalletOrder>();
  private readonly ordersByTradeNo = new Map<string, WalletOrder>();
  private readonly ordersByCodeUrl = new Map<string, WalletOrder>();
  private readonly usersMax: number;
  private readonly ordersMax: number;
  private sequence = 0;

  constructor(usersMax: number, ordersMax: number) {
    assert(usersMax > 0 && ordersMax > 0, 'wallet store bounds are positive');
    this.usersMax = usersMax;
    this.ordersMax = ordersMax;
  }

  nextSequence(): number {
    this.sequence += 1;
    return this.sequence;
  }

  addUser(user: WalletUser): boolean {
    if (this.users.size >= this.usersMax || this.users.has(user.userId)) return false;
    this.users.set(user.userId, user);
    return true;
  }

  /** Adds an order, evicting the oldest final one when full; false when every stored order is open. */
  addOrder(order: WalletOrder): boolean {
    if (this.ordersById.size >= this.ordersMax && !this.evictOldestFinal()) return false;
    this.ordersById.set(order.orderId, order);
    this.ordersByTradeNo.set(tradeKey(order.provider, order.outTradeNo), order);
    if (order.codeUrl !== undefined) this.ordersByCodeUrl.set(order.codeUrl, order);
    this.pending.add(order);
    return true;
  }

  private evictOldestFinal(): boolean {
    for (const order of this.ordersById.values()) {
      if (this.pending.has(order)) continue;
      this.ordersById.delete(order.orderId);
      this.ordersByTradeNo.delete(tradeKey(order.provider, order.outTradeNo));
      if (order.codeUrl !== undefined) this.ordersByCodeUrl.delete(order.codeUrl);
      return true;
    }
    return false;
  }

  byTradeNo(provider: WalletProvider, outTradeNo: string): WalletOrder | undefined {
    return this.ordersByTradeNo.get(tradeKey(provider, outTradeNo));
  }

  byCodeUrl(codeUrl: string): WalletOrder | undefined {
    return this.ordersByCodeUrl.get(codeUrl);
  }
}

function tradeKey(provider: WalletProvider, outTradeNo: string): string {
  return `${provider}|${outTradeNo}`;
}
