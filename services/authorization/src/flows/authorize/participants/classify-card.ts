/**
 * The card's kind (debit or credit) from the issuer BIN table, for the fee (debit rate and cap or
 * credit rate), risk limits by card type and the event settlement books from. A card the table does
 * not know, or a prepaid card, stays 'unknown' and is charged at the credit rate.
 */
import { defaultBinTable } from '@acq/card-bins';
import { type Participant, Vote } from '../participant.ts';

export const classifyCard: Participant = {
  name: 'classify-card',
  async prepare(ctx) {
    const cardType = ctx.pan.length > 0 ? defaultBinTable.lookup(ctx.pan)?.cardType : undefined;
    if (cardType === 'debit' || cardType === 'credit') ctx.cardKind = cardType;
    return Vote.PREPARED | Vote.NO_JOIN;
  },
};
