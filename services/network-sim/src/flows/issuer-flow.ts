/**
 * The card network and its issuers answering one request: find the card and any original, run the
 * issuer checks, and on approval record it and apply its effect. The transport maps ISO 8583 to
 * these requests and back; nothing here knows the wire format.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import { availableFen, type Card } from '../domain/card.ts';
import { type Clock, clearingDate, shanghaiYearMonth } from '../domain/clock.ts';
import { applyApproval, isReversible, type LinkedApprovals, reverseApproval } from '../domain/issuer-effects.ts';
import {
  checkAmount,
  checkCardholder,
  checkOriginal,
  type IssuerOperation,
  type IssuerRequest,
  type NetworkApproval,
  type PinCheck,
  refineVoidOperation,
  requiresOriginal,
  type TransactionKeys,
} from '../domain/issuer.ts';
import { RESPONSE_CODES, type ResponseCode } from '../domain/response-codes.ts';
import { type ApprovalStore, transactionKey } from '../store/approval-store.ts';
import type { CardStore } from '../store/card-store.ts';

/** Verifies a PIN block (under the zone key) against the card's PIN without exposing either. */
export interface PinVerifier {
  verify(pinBlock: Uint8Array, pan: string, expectedPin: string): boolean;
}

/** How a message names the transaction it voids, completes, refunds or reverses. */
export interface OriginalReference {
  /** Field 90 (original trace and transmission time) when present. */
  readonly stan: string | undefined;
  readonly transmissionDateTime: string | undefined;
  /** Original RRN (and auth code) when the message carries them instead. */
  readonly rrn: string | undefined;
  readonly authCode: string | undefined;
}

export interface NetworkRequest {
  readonly mti: string;
  readonly processingCode: string;
  readonly operation: IssuerOperation;
  readonly pan: string;
  readonly expiry: string | undefined;
  readonly pinBlock: Uint8Array | undefined;
  readonly amountFen: Fen;
  /** Keys as the platform sent them; rrn may be empty when the network assigns it. */
  readonly keys: TransactionKeys;
  readonly original: OriginalReference | undefined;
}

export interface NetworkResponse {
  readonly responseCode: ResponseCode;
  readonly authCode: string | undefined;
  readonly rrn: string;
  readonly clearingDate: string;
  /** Available funds after the transaction (balance inquiry answers it in field 54). */
  readonly availableFen: Fen | undefined;
  readonly approvalId: string | undefined;
}

export interface ReversalRequest {
  readonly keys: TransactionKeys;
  readonly original: OriginalReference | undefined;
}

const AUTH_CODE_MULTIPLIER = 7_919;
const AUTH_CODE_OFFSET = 104_729;
const AUTH_CODE_SPACE = 1_000_000;

export class IssuerFlow {
  private readonly cards: CardStore;
  private readonly approvals: ApprovalStore;
  private readonly pinVerifier: PinVerifier;
  private readonly clock: Clock;

  constructor(cards: CardStore, approvals: ApprovalStore, pinVerifier: PinVerifier, clock: Clock) {
    this.cards = cards;
    this.approvals = approvals;
    this.pinVerifier = pinVerifier;
    this.clock = clock;
  }

  authorize(received: NetworkRequest): NetworkResponse {
    const nowMs = this.clock();
    const date = clearingDate(nowMs);
    const card = this.cards.get(received.pan);
    const decline = (code: ResponseCode): NetworkResponse => declined(code, received.keys.rrn, date, undefined);
    if (card === undefined) return decline(RESPONSE_CODES.invalidCard);
    const key = transactionKey(received.keys);
    if (this.approvals.getByTransactionKey(key) !== undefined) return decline(RESPONSE_CODES.duplicateTransaction);
    if (this.approvals.hasTombstone(key)) return decline(RESPONSE_CODES.invalidTransaction);
    const original = requiresOriginal(received.operation)
      ? this.findOriginal(received.keys, received.original)
      : undefined;
    const operation = refineVoidOperation(received.operation, original);
    const request = operation === received.operation ? received : { ...received, operation };
    const issuerRequest: IssuerRequest = {
      operation: request.operation,
      amountFen: request.amountFen,
      expiry: request.expiry,
      pinCheck: this.checkPin(card, request),
    };
    const context = { pan: card.pan, merchantId: request.keys.merchantId, clearingDate: date };
    const code =
      checkCardholder(card, issuerRequest, shanghaiYearMonth(nowMs)) ??
      checkOriginal(request.operation, original, context) ??
      checkAmount(card, issuerRequest, original);
    if (code !== undefined) return declined(code, request.keys.rrn, date, undefined);
    if (original !== undefined && !this.hasLinks(request.operation, original)) {
      return decline(RESPONSE_CODES.invalidTransaction);
    }
    const approval = this.approve(card, request, original, nowMs, date);
    return {
      responseCode: RESPONSE_CODES.approved,
      authCode: approval.authCode,
      rrn: approval.keys.rrn,
      clearingDate: date,
      availableFen: availableFen(card),
      approvalId: approval.id,
    };
  }

  private checkPin(card: Card, request: NetworkRequest): PinCheck {
    if (request.pinBlock === undefined) return 'absent';
    return this.pinVerifier.verify(request.pinBlock, card.pan, card.pin) ? 'correct' : 'wrong';
  }

  private approve(
    card: Card,
    request: NetworkRequest,
    original: NetworkApproval | undefined,
    nowMs: number,
    date: string,
  ): NetworkApproval {
    const id = this.approvals.nextId();
    const sequence = this.approvals.approvalSequence;
    const rrn = request.keys.rrn === '' ? networkRrn(date, sequence) : request.keys.rrn;
    const approval: NetworkApproval = {
      id,
      operation: request.operation,
      mti: request.mti,
      processingCode: request.processingCode,
      keys: { ...request.keys, rrn },
      authCode: authCode(sequence),
      amountFen: request.operation === 'balanceInquiry' ? (0n as Fen) : request.amountFen,
      pan: card.pan,
      cardKind: card.kind,
      clearingDate: date,
      approvedAtMs: nowMs,
      originalId: original?.id,
      state: 'approved',
      voided: false,
      refundedFen: 0n as Fen,
      holdRemainingFen: 0n as Fen,
      releasedHoldFen: 0n as Fen,
    };
    applyApproval(card, approval, this.linksOf(approval));
    this.approvals.add(approval);
    return approval;
  }

  /**
   * Reverses the original named by field 90 or, without it, by the reversal's own 11 + 41 + 42 + 7.
   * Idempotent: a second reversal answers 00 without another effect. An unknown original answers 00
   * (CUP convention: nothing to undo) and leaves a tombstone so a late original is refused.
   */
  reverse(request: ReversalRequest): ResponseCode {
    const reference = request.original;
    const key = transactionKey({
      terminalId: request.keys.terminalId,
      merchantId: request.keys.merchantId,
      stan: reference?.stan ?? request.keys.stan,
      transmissionDateTime: reference?.transmissionDateTime ?? request.keys.transmissionDateTime,
    });
    const original = this.approvals.getByTransactionKey(key);
    if (original === undefined) {
      this.approvals.addTombstone(key);
      return RESPONSE_CODES.approved;
    }
    if (original.state === 'reversed') return RESPONSE_CODES.approved;
    if (!isReversible(original)) return RESPONSE_CODES.invalidTransaction;
    const links = this.linksOf(original);
    if (requiresOriginal(original.operation) && links.original === undefined) return RESPONSE_CODES.invalidTransaction;
    if (original.operation === 'completionVoid' && links.preAuth === undefined)
      return RESPONSE_CODES.invalidTransaction;
    const card = this.cards.get(original.pan);
    assert(card !== undefined, 'an approval refers to a stored card');
    reverseApproval(card, original, links);
    assert(!isReversible(original), 'a reversed approval cannot be reversed again');
    return RESPONSE_CODES.approved;
  }

  private findOriginal(keys: TransactionKeys, reference: OriginalReference | undefined): NetworkApproval | undefined {
    if (reference === undefined) return undefined;
    if (reference.stan !== undefined && reference.transmissionDateTime !== undefined) {
      return this.approvals.getByTransactionKey(
        transactionKey({
          terminalId: keys.terminalId,
          merchantId: keys.merchantId,
          stan: reference.stan,
          transmissionDateTime: reference.transmissionDateTime,
        }),
      );
    }
    if (reference.rrn === undefined) return undefined;
    const byRrn = this.approvals.getByRrn(keys.terminalId, keys.merchantId, reference.rrn);
    if (byRrn === undefined) return undefined;
    if (reference.authCode !== undefined && reference.authCode !== byRrn.authCode) return undefined;
    return byRrn;
  }

  /** False when an approval this one depends on was already evicted from memory (12, not a crash). */
  private hasLinks(operation: IssuerOperation, original: NetworkApproval): boolean {
    if (operation !== 'completionVoid') return true;
    return original.originalId !== undefined && this.approvals.getById(original.originalId) !== undefined;
  }

  private linksOf(approval: NetworkApproval): LinkedApprovals {
    const original = approval.originalId === undefined ? undefined : this.approvals.getById(approval.originalId);
    const preAuth =
      approval.operation === 'completionVoid' && original?.originalId !== undefined
        ? this.approvals.getById(original.originalId)
        : undefined;
    return { original, preAuth };
  }
}

function declined(code: ResponseCode, rrn: string, date: string, available: Fen | undefined): NetworkResponse {
  assert(code !== RESPONSE_CODES.approved, 'a decline carries a decline code');
  return {
    responseCode: code,
    authCode: undefined,
    rrn,
    clearingDate: date,
    availableFen: available,
    approvalId: undefined,
  };
}

/** 6-digit auth code: a permutation of the approval sequence, unique within a million approvals. */
export function authCode(sequence: number): string {
  const value = (sequence * AUTH_CODE_MULTIPLIER + AUTH_CODE_OFFSET) % AUTH_CODE_SPACE;
  return value.toString().padStart(6, '0');
}

/** 12-digit RRN the network assigns when the acquirer sent none: MMDD of the clearing date + sequence. */
function networkRrn(date: string, sequence: number): string {
  return `${date.slice(4)}${(sequence % 100_000_000).toString().padStart(8, '0')}`;
}
