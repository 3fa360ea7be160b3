/**
 * Bank rails: payouts to an account number + name with asynchronous results (and injected
 * UNKNOWN, failures and slow submissions), micro-deposits for card verification, and debits of a
 * card for bill repayment. Every request is idempotent by the platform's id: the same id never
 * moves money twice, and the same id with different content is refused.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import {
  type BankTransfer,
  checkCreditAccount,
  checkDebitAccount,
  isSameTransferRequest,
  type TransferKind,
} from '../domain/bank.ts';
import { type Clock, shanghaiYearMonth } from '../domain/clock.ts';
import { LIMITS } from '../limits.ts';
import type { CardStore } from '../store/card-store.ts';

export interface BankFaults {
  /** Time from acceptance to the final status of a payout, in ms. */
  resultDelayMs: number;
  /** Share (0..1) of payouts the bank rejects (FAILED, BANK_REJECTED). */
  failureRate: number;
  /** Share of payouts that answer UNKNOWN for unknownDurationMs before they settle. */
  unknownRate: number;
  unknownDurationMs: number;
  /** Share of payout submissions whose HTTP answer is held submitTimeoutMs (accepted meanwhile). */
  submitTimeoutRate: number;
  submitTimeoutMs: number;
}

export const DEFAULT_BANK_FAULTS: BankFaults = {
  resultDelayMs: 100,
  failureRate: 0,
  unknownRate: 0,
  unknownDurationMs: 0,
  submitTimeoutRate: 0,
  submitTimeoutMs: 0,
};

export interface TransferRequest {
  readonly requestId: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly amountFen: Fen;
}

export type BankResult =
  | { ok: true; transfer: BankTransfer; holdResponseMs: number }
  | { ok: false; errorCode: 'REQUEST_ID_CONFLICT' | 'STORE_FULL' | 'INVALID_AMOUNT' };

export class BankFlow {
  private readonly cards: CardStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly byRequest = new Map<string, BankTransfer>();
  private readonly byAccount = new Map<string, BankTransfer[]>();
  private readonly pending = new Set<BankTransfer>();
  private sequence = 0;
  faults: BankFaults = { ...DEFAULT_BANK_FAULTS };

  constructor(cards: CardStore, clock: Clock, random: () => number) {
    this.cards = cards;
    this.clock = clock;
    this.random = random;
  }

  submitPayout(request: TransferRequest): BankResult {
    this.sweep();
    const existing = this.byRequest.get(requestKey('payout', request.requestId));
    if (existing !== undefined) return this.repeated(existing, request, this.holdResponseMs());
    if (request.amountFen <= 0n) return { ok: false, errorCode: 'INVALID_AMOUNT' };
    const nowMs = this.clock();
    const unknown = this.random() < this.faults.unknownRate;
    const transfer = this.newTransfer('payout', request, request.amountFen, {
      completesAtMs: nowMs + this.faults.resultDelayMs,
      unknownUntilMs: unknown ? nowMs + this.faults.unknownDurationMs : 0,
      injectedFailure: this.random() < this.faults.failureRate,
    });
    if (transfer === undefined) return { ok: false, errorCode: 'STORE_FULL' };
    transfer.status = unknown ? 'UNKNOWN' : 'ACCEPTED';
    this.pending.add(transfer);
    this.sweep();
    return { ok: true, transfer, holdResponseMs: this.holdResponseMs() };
  }

  /** A micro-deposit of 0.01-0.99 CNY, credited at once; the platform asks the merchant for the amount. */
  microDeposit(request: Omit<TransferRequest, 'amountFen'>): BankResult {
    const existing = this.byRequest.get(requestKey('microDeposit', request.requestId));
    if (existing !== undefined) return this.repeated(existing, { ...request, amountFen: undefined }, 0);
    const span = Number(LIMITS.microDepositFenMax - LIMITS.microDepositFenMin) + 1;
    const amountFen = (LIMITS.microDepositFenMin + BigInt(Math.floor(this.random() * span))) as Fen;
    const transfer = this.newTransfer('microDeposit', request, amountFen, this.immediate());
    if (transfer === undefined) return { ok: false, errorCode: 'STORE_FULL' };
    this.complete(transfer, checkCreditAccount(this.cards.get(transfer.accountNumber), transfer.accountName));
    return { ok: true, transfer, holdResponseMs: 0 };
  }

  /** Debits a card (bill repayment); the result is final at once, FAILED INSUFFICIENT_FUNDS included. */
  debit(request: TransferRequest): BankResult {
    const existing = this.byRequest.get(requestKey('debit', request.requestId));
    if (existing !== undefined) return this.repeated(existing, request, 0);
    if (request.amountFen <= 0n) return { ok: false, errorCode: 'INVALID_AMOUNT' };
    const transfer = this.newTransfer('debit', request, request.amountFen, this.immediate());
    if (transfer === undefined) return { ok: false, errorCode: 'STORE_FULL' };
    const card = this.cards.get(transfer.accountNumber);
    const failure = checkDebitAccount(card, transfer.accountName, transfer.amountFen, shanghaiYearMonth(this.clock()));
    if (failure === undefined && card !== undefined) card.balanceFen = (card.balanceFen - transfer.amountFen) as Fen;
    this.finish(transfer, failure);
    return { ok: true, transfer, holdResponseMs: 0 };
  }

  payout(payoutId: string): BankTransfer | undefined {
    this.sweep();
    return this.byRequest.get(requestKey('payout', payoutId));
  }

  debitById(debitId: string): BankTransfer | undefined {
    return this.byRequest.get(requestKey('debit', debitId));
  }

  transfersOf(accountNumber: string): readonly BankTransfer[] {
    this.sweep();
    return this.byAccount.get(accountNumber) ?? [];
  }

  /** Settles accepted payouts whose time came (UNKNOWN ones once their in-doubt window passed). */
  sweep(): void {
    const nowMs = this.clock();
    for (const transfer of this.pending) {
      if (nowMs < transfer.completesAtMs || nowMs < transfer.unknownUntilMs) continue;
      const card = this.cards.get(transfer.accountNumber);
      this.complete(
        transfer,
        transfer.injectedFailure ? 'BANK_REJECTED' : checkCreditAccount(card, transfer.accountName),
      );
    }
  }

  private complete(transfer: BankTransfer, failure: BankTransfer['failureCode']): void {
    if (failure === undefined) {
      const card = this.cards.get(transfer.accountNumber);
      assert(card !== undefined, 'a credited account exists');
      card.balanceFen = (card.balanceFen + transfer.amountFen) as Fen;
    }
    this.finish(transfer, failure);
  }

  private finish(transfer: BankTransfer, failure: BankTransfer['failureCode']): void {
    assert(transfer.status !== 'SUCCESS' && transfer.status !== 'FAILED', 'a transfer completes once');
    transfer.status = failure === undefined ? 'SUCCESS' : 'FAILED';
    transfer.failureCode = failure;
    transfer.completedAtMs = this.clock();
    this.pending.delete(transfer);
  }

  private repeated(
    existing: BankTransfer,
    request: { accountNumber: string; accountName: string; amountFen: Fen | undefined },
    holdResponseMs: number,
  ): BankResult {
    if (!isSameTransferRequest(existing, request.accountNumber, request.accountName, request.amountFen)) {
      return { ok: false, errorCode: 'REQUEST_ID_CONFLICT' };
    }
    return { ok: true, transfer: existing, holdResponseMs };
  }

  private holdResponseMs(): number {
    return this.random() < this.faults.submitTimeoutRate ? this.faults.submitTimeoutMs : 0;
  }

  private immediate(): Pick<BankTransfer, 'completesAtMs' | 'unknownUntilMs' | 'injectedFailure'> {
    return { completesAtMs: this.clock(), unknownUntilMs: 0, injectedFailure: false };
  }

  private newTransfer(
    kind: TransferKind,
    request: Omit<TransferRequest, 'amountFen'>,
    amountFen: Fen,
    timing: Pick<BankTransfer, 'completesAtMs' | 'unknownUntilMs' | 'injectedFailure'>,
  ): BankTransfer | undefined {
    if (this.byRequest.size >= LIMITS.bankTransfersMax) return undefined;
    this.sequence += 1;
    const transfer: BankTransfer = {
      transferId: `bt_${this.sequence}`,
      kind,
      requestId: request.requestId,
      accountNumber: request.accountNumber,
      accountName: request.accountName,
      amountFen,
      createdAtMs: this.clock(),
      status: 'ACCEPTED',
      failureCode: undefined,
      ...timing,
      completedAtMs: undefined,
    };
    this.byRequest.set(requestKey(kind, request.requestId), transfer);
    const list = this.byAccount.get(request.accountNumber) ?? [];
    list.push(transfer);
    this.byAccount.set(request.accountNumber, list);
    return transfer;
  }
}

function requestKey(kind: TransferKind, requestId: string): string {
  return `${kind}|${requestId}`;
}
