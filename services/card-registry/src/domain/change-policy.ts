/**
 * Who may be paid and when a change may start: debit cards only, same-name accounts for individuals,
 * the corporate account or the legal representative's for enterprises (PBOC 2013 No. 9), and a cooldown
 * between completed changes. Pure rules; the flows supply the merchant, the BIN row and the clock.
 */
import { assert } from '@acq/assert';
import type { BinRow } from '@acq/card-bins';
import { isCardNumber } from './card-number.ts';

export type MerchantType = 'individual' | 'enterprise';
export type AccountKind = 'personal' | 'corporate';

export type MerchantIdentity = {
  readonly merchantId: string;
  readonly merchantType: MerchantType;
  /** Individual: the merchant; enterprise: the legal representative. */
  readonly legalName: string;
  /** Enterprise: the company name a corporate account is held in. */
  readonly businessName: string;
  /** The ID number the merchant was onboarded with (the legal representative's for enterprises). */
  readonly idNumber: string;
  /** active | frozen | closed */
  readonly status: string;
};

export type CardCandidate = {
  readonly cardNumber: string;
  readonly holderName: string;
  readonly idNumber: string;
};

export type CandidateVerdict =
  | { readonly ok: true; readonly bin: BinRow; readonly accountKind: AccountKind }
  | { readonly ok: false; readonly code: string; readonly message: string };

function refuse(code: string, message: string): CandidateVerdict {
  return { ok: false, code, message };
}

/** The holder rules: which account kinds a merchant of this type may be paid to. */
export function accountKindFor(identity: MerchantIdentity, holderName: string): AccountKind | undefined {
  if (holderName === identity.legalName) return 'personal';
  if (identity.merchantType === 'enterprise' && holderName === identity.businessName) return 'corporate';
  return undefined;
}

export function judgeCandidate(
  identity: MerchantIdentity,
  candidate: CardCandidate,
  bin: BinRow | undefined,
): CandidateVerdict {
  if (!isCardNumber(candidate.cardNumber))
    return refuse('CARD_NUMBER_INVALID', 'the card number is not 16-19 digits with a valid check digit');
  if (bin === undefined) return refuse('CARD_BIN_UNKNOWN', 'the issuer of this card is not supported');
  if (bin.cardType === 'credit')
    return refuse('CREDIT_CARD_REFUSED', 'settlement goes to debit cards only; a credit card cannot be bound');
  if (bin.cardType !== 'debit')
    return refuse('CARD_TYPE_REFUSED', `settlement goes to debit cards only; this is a ${bin.cardType} card`);
  const accountKind = accountKindFor(identity, candidate.holderName);
  if (accountKind === undefined) {
    const rule =
      identity.merchantType === 'individual'
        ? "an individual merchant's settlement card must be in the merchant's own name"
        : "an enterprise is paid to its corporate account or its legal representative's card";
    return refuse('HOLDER_NAME_MISMATCH', rule);
  }
  if (accountKind === 'personal' && candidate.idNumber !== identity.idNumber)
    return refuse('ID_NUMBER_MISMATCH', 'the ID number is not the one the merchant was onboarded with');
  assert(bin.cardType === 'debit', 'only debit cards pass');
  return { ok: true, bin, accountKind };
}

/** The earliest instant a new change may start after the last completed one. */
export function nextChangeAllowedAtMs(lastChangeActivatedAtMs: number | undefined, cooldownMs: number): number {
  assert(cooldownMs >= 0, 'a cooldown is not negative');
  if (lastChangeActivatedAtMs === undefined) return 0;
  return lastChangeActivatedAtMs + cooldownMs;
}
