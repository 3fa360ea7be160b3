/**
 * The BIN table (bin-table.json, data not code): which bank issued a card and whether it is a debit,
 * credit or prepaid card. Longest matching prefix wins, so a narrower range can override a wider one.
 */
import { assert } from '@acq/assert';
import binTableData from './bin-table.json' with { type: 'json' };

export const CARD_TYPES = ['debit', 'credit', 'prepaid'] as const;
export type CardType = (typeof CARD_TYPES)[number];

export interface BinRow {
  readonly bin: string;
  readonly bankCode: string;
  readonly bankName: string;
  readonly cardType: CardType;
}

const BIN_PATTERN = /^[0-9]{6,10}$/;
export const BIN_LENGTH_MAX = 10;
export const BIN_LENGTH_MIN = 6;

export class BinTable {
  readonly #rows = new Map<string, BinRow>();

  constructor(rows: readonly BinRow[]) {
    assert(rows.length > 0, 'a BIN table has rows');
    for (const row of rows) {
      assert(BIN_PATTERN.test(row.bin), 'a BIN is 6 to 10 digits');
      assert(CARD_TYPES.includes(row.cardType), 'a BIN row names a known card type');
      assert(!this.#rows.has(row.bin), 'each BIN appears once');
      this.#rows.set(row.bin, row);
    }
  }

  /** The row of the longest BIN the card number starts with; undefined for an unknown issuer. */
  lookup(cardNumber: string): BinRow | undefined {
    if (cardNumber.length <= BIN_LENGTH_MAX) return undefined;
    for (let length = BIN_LENGTH_MAX; length >= BIN_LENGTH_MIN; length -= 1) {
      const row = this.#rows.get(cardNumber.slice(0, length));
      if (row !== undefined) return row;
    }
    return undefined;
  }
}

export const defaultBinTable = new BinTable(binTableData.rows as readonly BinRow[]);
export { luhnCheckDigit, maskPan, passesLuhn } from './card-number.ts';
