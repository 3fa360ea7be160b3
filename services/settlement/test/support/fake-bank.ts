/**
 * An in-process stand-in for the bank rails (network-sim's bank API), with scripted faults per payout:
 * each submission consumes the next behaviour of its payout's script (default: accept and succeed).
 * It records what it actually paid, so tests can prove that nothing was paid twice.
 */
import type { Fen } from '@acq/money';
import type {
  BankRailsPort,
  DebitChannel,
  DebitOutcome,
  DebitRequest,
  PayoutInstruction,
  QueryOutcome,
  SubmitOutcome,
} from '../../src/domain/bank-rails.ts';

export type SubmitBehaviour =
  /** Accepted; succeeds (visible to queries) at once. */
  | 'succeed'
  /** Accepted; fails asynchronously. */
  | 'fail_async'
  /** Refused synchronously. */
  | 'reject'
  /** The request never reaches the bank; the caller sees a timeout. */
  | 'lost_before_bank'
  /** The bank pays, but the answer is lost; the caller sees a timeout. */
  | 'paid_answer_lost'
  /** Accepted; queries answer `processing` this many times, then success. */
  | 'slow';

type Instruction = {
  payoutId: string;
  amountFen: Fen;
  status: 'succeeded' | 'failed' | 'processing';
  processingLeft: number;
};

export class FakeBank implements BankRailsPort {
  readonly instructions = new Map<string, Instruction>();
  readonly scripts = new Map<string, SubmitBehaviour[]>();
  /** Balances debits draw on, by encrypted account number (bank card) or payment code (wallet). */
  readonly cardBalances = new Map<string, bigint>();
  readonly debits = new Map<string, { amountFen: Fen; status: 'succeeded' | 'insufficient_funds' }>();
  queriesUnreachable = false;
  slowProcessingCount = 2;
  submitCount = 0;

  script(payoutId: string, behaviours: SubmitBehaviour[]): void {
    this.scripts.set(payoutId, [...behaviours]);
  }

  async submitPayout(instruction: PayoutInstruction): Promise<SubmitOutcome> {
    this.submitCount += 1;
    const existing = this.instructions.get(instruction.instructionId);
    if (existing !== undefined) return { kind: 'accepted' };
    const payoutId = instruction.instructionId.slice(0, instruction.instructionId.lastIndexOf('.'));
    const behaviour = this.scripts.get(payoutId)?.shift() ?? 'succeed';
    if (behaviour === 'lost_before_bank') return { kind: 'unknown', reason: 'TIMEOUT' };
    if (behaviour === 'reject') return { kind: 'rejected', reason: 'ACCOUNT_ABNORMAL' };
    const status = behaviour === 'fail_async' ? 'failed' : behaviour === 'slow' ? 'processing' : 'succeeded';
    const processingLeft = behaviour === 'slow' ? this.slowProcessingCount : 0;
    this.instructions.set(instruction.instructionId, {
      payoutId,
      amountFen: instruction.amountFen,
      status,
      processingLeft,
    });
    if (behaviour === 'paid_answer_lost') return { kind: 'unknown', reason: 'TIMEOUT' };
    return { kind: 'accepted' };
  }

  async queryPayout(instructionId: string): Promise<QueryOutcome> {
    if (this.queriesUnreachable) return { kind: 'unknown', reason: 'TIMEOUT' };
    const instruction = this.instructions.get(instructionId);
    if (instruction === undefined) return { kind: 'not_found' };
    if (instruction.status === 'processing') {
      instruction.processingLeft -= 1;
      if (instruction.processingLeft < 0) instruction.status = 'succeeded';
      else return { kind: 'processing' };
    }
    return instruction.status === 'succeeded' ? { kind: 'succeeded' } : { kind: 'failed', reason: 'BANK_FAILED' };
  }

  async debit(request: DebitRequest): Promise<DebitOutcome> {
    const previous = this.debits.get(request.debitId);
    if (previous !== undefined) return { kind: previous.status };
    const payerKey =
      request.payer.method === 'bank_card' ? request.payer.accountNumberEncrypted : request.payer.paymentCode;
    const balance = this.cardBalances.get(payerKey) ?? 0n;
    if (balance < request.amountFen) {
      this.debits.set(request.debitId, { amountFen: request.amountFen, status: 'insufficient_funds' });
      return { kind: 'insufficient_funds' };
    }
    this.cardBalances.set(payerKey, balance - request.amountFen);
    this.debits.set(request.debitId, { amountFen: request.amountFen, status: 'succeeded' });
    return { kind: 'succeeded' };
  }

  async queryDebit(debitId: string, _channel: DebitChannel): Promise<DebitOutcome> {
    const previous = this.debits.get(debitId);
    return previous === undefined ? { kind: 'failed', reason: 'NOT_FOUND' } : { kind: previous.status };
  }

  /** Money the bank actually sent per payout id (all attempts). */
  paidByPayout(): Map<string, { count: number; amountFen: bigint }> {
    const paid = new Map<string, { count: number; amountFen: bigint }>();
    for (const instruction of this.instructions.values()) {
      if (instruction.status !== 'succeeded') continue;
      const entry = paid.get(instruction.payoutId) ?? { count: 0, amountFen: 0n };
      entry.count += 1;
      entry.amountFen += instruction.amountFen;
      paid.set(instruction.payoutId, entry);
    }
    return paid;
  }
}
