/**
 * The identity-verification provider: 3/4-element checks against the cards' registered holders
 * with UnionPay-style lockout, and zero-amount card verification (is the card real, active and in
 * date, optionally with the holder's name).
 */
import { assert } from '@acq/assert';
import { isPastExpiry } from '../domain/card.ts';
import { type Clock, shanghaiYearMonth } from '../domain/clock.ts';
import {
  currentLock,
  freshAttempts,
  type IdentityClaim,
  type IdentityElement,
  isValidIdNumber,
  mismatchedElements,
  recordAttempt,
  type VerificationAttempts,
} from '../domain/identity.ts';
import { LIMITS } from '../limits.ts';
import type { CardStore } from '../store/card-store.ts';

export type IdentityResult =
  | { result: 'MATCH' }
  | { result: 'MISMATCH'; mismatched: IdentityElement[] }
  | { result: 'CARD_NOT_FOUND' }
  | { result: 'INVALID_ID_NUMBER' }
  | { result: 'LOCKED'; lockedUntilMs: number };

export type CardVerificationResult =
  | 'VERIFIED'
  | 'CARD_NOT_FOUND'
  | 'CARD_EXPIRED'
  | 'CARD_NOT_ACTIVE'
  | 'NAME_MISMATCH';

export class IdentityFlow {
  private readonly cards: CardStore;
  private readonly clock: Clock;
  private readonly attemptsByCard = new Map<string, VerificationAttempts>();

  constructor(cards: CardStore, clock: Clock) {
    this.cards = cards;
    this.clock = clock;
  }

  /** Every attempt that reaches the comparison counts, including unknown cards and bad ID numbers. */
  verifyElements(cardNumber: string, claim: IdentityClaim): IdentityResult {
    const nowMs = this.clock();
    const attempts = this.attemptsOf(cardNumber, nowMs);
    const lockedUntilMs = currentLock(attempts, nowMs);
    if (lockedUntilMs !== undefined) return { result: 'LOCKED', lockedUntilMs };
    const outcome = this.compare(cardNumber, claim);
    recordAttempt(attempts, outcome.result === 'MATCH', nowMs);
    assert(attempts.attemptsToday > 0, 'an attempt was counted');
    return outcome;
  }

  private compare(cardNumber: string, claim: IdentityClaim): IdentityResult {
    if (!isValidIdNumber(claim.idNumber)) return { result: 'INVALID_ID_NUMBER' };
    const card = this.cards.get(cardNumber);
    if (card === undefined) return { result: 'CARD_NOT_FOUND' };
    const mismatched = mismatchedElements(card.holder, claim);
    return mismatched.length === 0 ? { result: 'MATCH' } : { result: 'MISMATCH', mismatched };
  }

  /** Zero-amount verification: no money moves and no attempt is counted. */
  verifyCard(cardNumber: string, expiry: string | undefined, name: string | undefined): CardVerificationResult {
    const card = this.cards.get(cardNumber);
    if (card === undefined) return 'CARD_NOT_FOUND';
    if (card.status === 'expired' || isPastExpiry(card.expiry, shanghaiYearMonth(this.clock()))) return 'CARD_EXPIRED';
    if (expiry !== undefined && expiry !== card.expiry) return 'CARD_EXPIRED';
    if (card.status !== 'active') return 'CARD_NOT_ACTIVE';
    if (name !== undefined && card.holder.holderName !== name) return 'NAME_MISMATCH';
    return 'VERIFIED';
  }

  /** The lockout counters of a card, for tests and operators. */
  attempts(cardNumber: string): VerificationAttempts {
    const nowMs = this.clock();
    const attempts = this.attemptsOf(cardNumber, nowMs);
    currentLock(attempts, nowMs);
    return attempts;
  }

  unlock(cardNumber: string): void {
    this.attemptsByCard.delete(cardNumber);
  }

  private attemptsOf(cardNumber: string, nowMs: number): VerificationAttempts {
    let attempts = this.attemptsByCard.get(cardNumber);
    if (attempts === undefined) {
      if (this.attemptsByCard.size >= LIMITS.identityTrackedCardsMax) {
        const oldest = this.attemptsByCard.keys().next();
        if (oldest.done !== true) this.attemptsByCard.delete(oldest.value);
      }
      attempts = freshAttempts(nowMs);
      this.attemptsByCard.set(cardNumber, attempts);
    }
    assert(this.attemptsByCard.size <= LIMITS.identityTrackedCardsMax, 'tracked cards stay within their bound');
    return attempts;
  }
}
