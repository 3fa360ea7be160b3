/**
 * The issuers' cards, in memory (a simulator: state is lost on restart and re-seeded). A Map keyed
 * by PAN keeps the ISO hot path at one lookup per message.
 */
import { assert } from '@acq/assert';
import { type Card, type CardKind, generatedPan } from '../domain/card.ts';

export type CardInsertResult = { ok: true; card: Card } | { ok: false; reason: 'duplicate' | 'full' };

export class CardStore {
  private readonly cards = new Map<string, Card>();
  private readonly cardCountMax: number;
  private panSequence = 1;

  constructor(cardCountMax: number) {
    assert(Number.isSafeInteger(cardCountMax) && cardCountMax > 0, 'card store needs a positive bound');
    this.cardCountMax = cardCountMax;
  }

  get(pan: string): Card | undefined {
    return this.cards.get(pan);
  }

  get size(): number {
    return this.cards.size;
  }

  insert(card: Card): CardInsertResult {
    if (this.cards.has(card.pan)) return { ok: false, reason: 'duplicate' };
    if (this.cards.size >= this.cardCountMax) return { ok: false, reason: 'full' };
    this.cards.set(card.pan, card);
    return { ok: true, card };
  }

  /** A Luhn-valid PAN of kind that no stored card uses yet. */
  freshPan(kind: CardKind): string {
    for (let attempt = 0; attempt <= this.cardCountMax; attempt += 1) {
      const pan = generatedPan(kind, this.panSequence);
      this.panSequence += 1;
      if (!this.cards.has(pan)) return pan;
    }
    assert(false, 'a fresh PAN exists within cardCountMax attempts');
  }

  values(): IterableIterator<Card> {
    return this.cards.values();
  }
}
