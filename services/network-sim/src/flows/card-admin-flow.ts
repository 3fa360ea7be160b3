/**
 * Test cards over the admin API: create (PAN generated when omitted), read and change a card's
 * status, balance, PIN or limit. Validation of shapes happens in the HTTP schemas; the rules that
 * need the stored state (duplicates, Luhn, capacity) live here.
 */
import { assert } from '@acq/assert';
import type { Fen } from '@acq/money';
import {
  type Card,
  type CardHolder,
  type CardKind,
  type CardStatus,
  EXPIRY_PATTERN,
  isLuhnValid,
  PIN_PATTERN,
} from '../domain/card.ts';
import type { Clock } from '../domain/clock.ts';
import type { SeedCard } from '../domain/seed-cards.ts';
import type { CardStore } from '../store/card-store.ts';

export interface CardInput {
  readonly pan: string | undefined;
  readonly pin: string;
  readonly expiry: string;
  readonly kind: CardKind;
  readonly balanceFen: Fen;
  readonly status: CardStatus;
  readonly singleLimitFen: Fen | undefined;
  readonly holder: CardHolder;
}

export interface CardChange {
  readonly status: CardStatus | undefined;
  readonly balanceFen: Fen | undefined;
  readonly pin: string | undefined;
  readonly singleLimitFen: Fen | null | undefined;
  readonly resetPinTries: boolean;
}

export type CardAdminResult =
  | { ok: true; card: Card }
  | { ok: false; errorCode: 'PAN_EXISTS' | 'PAN_INVALID' | 'STORE_FULL' };

export class CardAdminFlow {
  private readonly cards: CardStore;
  private readonly clock: Clock;

  constructor(cards: CardStore, clock: Clock) {
    this.cards = cards;
    this.clock = clock;
  }

  create(input: CardInput): CardAdminResult {
    assert(PIN_PATTERN.test(input.pin) && EXPIRY_PATTERN.test(input.expiry), 'schema validated PIN and expiry');
    assert(input.balanceFen >= 0n, 'schema validated a non-negative balance');
    if (input.pan !== undefined && !isLuhnValid(input.pan)) return { ok: false, errorCode: 'PAN_INVALID' };
    const pan = input.pan ?? this.cards.freshPan(input.kind);
    const inserted = this.cards.insert({
      pan,
      expiry: input.expiry,
      kind: input.kind,
      pin: input.pin,
      balanceFen: input.balanceFen,
      holdsFen: 0n as Fen,
      status: input.status,
      wrongPinCount: 0,
      singleLimitFen: input.singleLimitFen,
      holder: input.holder,
      createdAtMs: this.clock(),
    });
    if (inserted.ok) return inserted;
    return { ok: false, errorCode: inserted.reason === 'duplicate' ? 'PAN_EXISTS' : 'STORE_FULL' };
  }

  get(pan: string): Card | undefined {
    return this.cards.get(pan);
  }

  change(pan: string, change: CardChange): Card | undefined {
    const card = this.cards.get(pan);
    if (card === undefined) return undefined;
    if (change.status !== undefined) card.status = change.status;
    if (change.balanceFen !== undefined) card.balanceFen = change.balanceFen;
    if (change.pin !== undefined) card.pin = change.pin;
    if (change.singleLimitFen !== undefined) card.singleLimitFen = change.singleLimitFen ?? undefined;
    if (change.resetPinTries || change.pin !== undefined) card.wrongPinCount = 0;
    return card;
  }

  seed(seedCards: readonly SeedCard[]): void {
    for (const seed of seedCards) {
      const result = this.create({ ...seed, pan: seed.pan });
      assert(result.ok, `seed card "${seed.label}" is stored`);
    }
  }
}
