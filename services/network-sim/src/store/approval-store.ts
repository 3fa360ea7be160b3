/**
 * Approved network transactions, in memory, indexed the ways the network looks them up: by the
 * platform's keys (terminal + merchant + trace + transmission time, the reversal match), by
 * terminal + merchant + RRN (voids and refunds), by id (links) and by clearing date (the clearing
 * file). Bounded: past the limit the oldest approval is evicted from every index.
 */
import { assert } from '@acq/assert';
import type { NetworkApproval, TransactionKeys } from '../domain/issuer.ts';

interface DateBucket {
  readonly approvals: NetworkApproval[];
  /** Index of the first approval still retained (evictions advance it instead of shifting). */
  start: number;
}

/** Evicted entries a date bucket may hold before it is compacted. */
const DATE_BUCKET_COMPACT_AT = 4_096;

export function transactionKey(
  keys: Pick<TransactionKeys, 'terminalId' | 'merchantId' | 'stan' | 'transmissionDateTime'>,
): string {
  return `${keys.terminalId}|${keys.merchantId}|${keys.stan}|${keys.transmissionDateTime}`;
}

export function rrnKey(terminalId: string, merchantId: string, rrn: string): string {
  return `${terminalId}|${merchantId}|${rrn}`;
}

export class ApprovalStore {
  private readonly byId = new Map<string, NetworkApproval>();
  private readonly byTransactionKey = new Map<string, NetworkApproval>();
  private readonly byRrn = new Map<string, NetworkApproval>();
  private readonly byDate = new Map<string, DateBucket>();
  private readonly tombstones = new Set<string>();
  private readonly retainedMax: number;
  private readonly tombstonesMax: number;
  private sequence = 0;
  evictedCount = 0;

  constructor(retainedMax: number, tombstonesMax: number) {
    assert(retainedMax > 0 && tombstonesMax > 0, 'approval store bounds are positive');
    this.retainedMax = retainedMax;
    this.tombstonesMax = tombstonesMax;
  }

  nextId(): string {
    this.sequence += 1;
    return `net_${this.sequence.toString().padStart(10, '0')}`;
  }

  /** A counter the flow turns into auth codes and network RRNs. */
  get approvalSequence(): number {
    return this.sequence;
  }

  add(approval: NetworkApproval): void {
    const key = transactionKey(approval.keys);
    assert(!this.byTransactionKey.has(key), 'an approval key is stored once');
    if (this.byId.size >= this.retainedMax) this.evictOldest();
    this.byId.set(approval.id, approval);
    this.byTransactionKey.set(key, approval);
    this.byRrn.set(rrnKey(approval.keys.terminalId, approval.keys.merchantId, approval.keys.rrn), approval);
    let bucket = this.byDate.get(approval.clearingDate);
    if (bucket === undefined) {
      bucket = { approvals: [], start: 0 };
      this.byDate.set(approval.clearingDate, bucket);
    }
    bucket.approvals.push(approval);
    assert(this.byId.size <= this.retainedMax, 'approvals stay within their bound');
  }

  private evictOldest(): void {
    const oldest = this.byId.values().next();
    assert(oldest.done !== true, 'eviction needs an approval');
    const approval = oldest.value;
    this.byId.delete(approval.id);
    this.byTransactionKey.delete(transactionKey(approval.keys));
    const rrn = rrnKey(approval.keys.terminalId, approval.keys.merchantId, approval.keys.rrn);
    if (this.byRrn.get(rrn) === approval) this.byRrn.delete(rrn);
    const bucket = this.byDate.get(approval.clearingDate);
    assert(bucket !== undefined && bucket.approvals[bucket.start] === approval, 'oldest approval heads its date');
    bucket.start += 1;
    if (bucket.start === bucket.approvals.length) {
      this.byDate.delete(approval.clearingDate);
    } else if (bucket.start >= DATE_BUCKET_COMPACT_AT && bucket.start * 2 > bucket.approvals.length) {
      // Drop evicted references in one splice so evicted approvals can be collected.
      bucket.approvals.splice(0, bucket.start);
      bucket.start = 0;
    }
    this.evictedCount += 1;
  }

  getById(id: string): NetworkApproval | undefined {
    return this.byId.get(id);
  }

  getByTransactionKey(key: string): NetworkApproval | undefined {
    return this.byTransactionKey.get(key);
  }

  getByRrn(terminalId: string, merchantId: string, rrn: string): NetworkApproval | undefined {
    return this.byRrn.get(rrnKey(terminalId, merchantId, rrn));
  }

  /** Approvals of a clearing date in approval order. */
  forDate(date: string): readonly NetworkApproval[] {
    const bucket = this.byDate.get(date);
    if (bucket === undefined) return [];
    return bucket.start === 0 ? bucket.approvals : bucket.approvals.slice(bucket.start);
  }

  /** Remembers a reversal whose original never arrived, so a late original is refused. */
  addTombstone(key: string): void {
    if (this.tombstones.size >= this.tombstonesMax) {
      const oldest = this.tombstones.values().next();
      if (oldest.done !== true) this.tombstones.delete(oldest.value);
    }
    this.tombstones.add(key);
  }

  hasTombstone(key: string): boolean {
    return this.tombstones.has(key);
  }

  get size(): number {
    return this.byId.size;
  }
}
