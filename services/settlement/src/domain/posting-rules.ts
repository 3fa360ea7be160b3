/**
 * Posting rules: which transfers each business event makes (README "Postings per event"). Pure
 * functions; every transfer id derives from the business key, so a replayed event re-creates the
 * same ids and the ledger ignores it.
 */
import { assert } from '@acq/assert';
import { type Fen, fen } from '@acq/money';
import {
  type MerchantAccountKind,
  merchantAccountId,
  type SystemAccountKind,
  systemAccountId,
  systemAccountIdOfShard,
  transferIdFor,
} from './accounts.ts';
import type { Transfer, TransferCode } from './transfers.ts';

type LegInput = {
  readonly key: string;
  readonly debit: string;
  readonly credit: string;
  readonly amountFen: Fen;
  readonly code: TransferCode;
  readonly reference: string;
  readonly merchantId: string;
};

function posted(leg: LegInput): Transfer {
  return {
    id: transferIdFor(leg.key),
    debitAccountId: leg.debit,
    creditAccountId: leg.credit,
    amountFen: leg.amountFen,
    flags: 'posted',
    pendingId: null,
    code: leg.code,
    reference: leg.reference,
    merchantId: leg.merchantId,
  };
}

const merchant = merchantAccountId;
const system = (kind: SystemAccountKind, merchantId: string): string => systemAccountId(kind, merchantId);

export type CaptureInput = {
  readonly txnId: string;
  readonly merchantId: string;
  readonly amountFen: Fen;
  readonly feeFen: Fen;
  /** T0 merchants' proceeds are available at once; T1 merchants' wait in pending until their date. */
  readonly destination: 'pending' | 'available';
};

/** Approved purchase: the network owes the amount; the merchant is owed amount - fee; the fee is income. */
export function capturePostings(input: CaptureInput): Transfer[] {
  assert(input.amountFen > 0n, 'captures are positive');
  assert(input.feeFen >= 0n && input.feeFen <= input.amountFen, 'the fee lies within the amount');
  const net = fen(input.amountFen - input.feeFen);
  const base = { reference: input.txnId, merchantId: input.merchantId };
  const transfers: Transfer[] = [];
  if (net > 0n) {
    transfers.push(
      posted({
        ...base,
        key: `capture:${input.txnId}:net`,
        debit: system('network_receivable', input.merchantId),
        credit: merchant(input.merchantId, input.destination),
        amountFen: net,
        code: 'capture',
      }),
    );
  }
  if (input.feeFen > 0n) {
    transfers.push(
      posted({
        ...base,
        key: `capture:${input.txnId}:fee`,
        debit: system('network_receivable', input.merchantId),
        credit: system('fee_income', input.merchantId),
        amountFen: input.feeFen,
        code: 'capture_fee',
      }),
    );
  }
  assert(transfers.length > 0, 'a capture moves money');
  return transfers;
}

/** Pre-authorization: a hold crediting the merchant's pending account, not spendable until completed. */
export function preauthHoldPosting(txnId: string, merchantId: string, amountFen: Fen): Transfer {
  assert(amountFen > 0n, 'holds are positive');
  return {
    id: transferIdFor(`preauth:${txnId}:hold`),
    debitAccountId: system('network_receivable', merchantId),
    creditAccountId: merchant(merchantId, 'pending'),
    amountFen,
    flags: 'pending',
    pendingId: null,
    code: 'preauth_hold',
    reference: txnId,
    merchantId,
  };
}

/** Completion of a pre-authorization: post the hold for the completed amount, then charge the fee. */
export function preauthCompletionPostings(hold: Transfer, completion: CaptureInput): Transfer[] {
  assert(hold.flags === 'pending' && hold.code === 'preauth_hold', 'completions resolve pre-auth holds');
  assert(completion.amountFen <= hold.amountFen, 'a completion never exceeds its pre-authorization');
  const base = { reference: completion.txnId, merchantId: completion.merchantId };
  const transfers: Transfer[] = [
    {
      ...hold,
      id: transferIdFor(`preauth:${hold.reference}:complete`),
      amountFen: completion.amountFen,
      flags: 'post_pending',
      pendingId: hold.id,
      code: 'preauth_completion',
      reference: completion.txnId,
    },
  ];
  const pendingAccount = merchant(completion.merchantId, 'pending');
  if (completion.feeFen > 0n) {
    transfers.push(
      posted({
        ...base,
        key: `capture:${completion.txnId}:fee`,
        debit: pendingAccount,
        credit: system('fee_income', completion.merchantId),
        amountFen: completion.feeFen,
        code: 'capture_fee',
      }),
    );
  }
  const net = fen(completion.amountFen - completion.feeFen);
  if (completion.destination === 'available' && net > 0n) {
    transfers.push(
      posted({
        ...base,
        key: `capture:${completion.txnId}:to-available`,
        debit: pendingAccount,
        credit: merchant(completion.merchantId, 'available'),
        amountFen: net,
        code: 'release_to_available',
      }),
    );
  }
  return transfers;
}

export function preauthReleasePosting(hold: Transfer, reference: string): Transfer {
  assert(hold.flags === 'pending' && hold.code === 'preauth_hold', 'only pre-auth holds are released here');
  return {
    ...hold,
    id: transferIdFor(`preauth:${hold.reference}:release`),
    flags: 'void_pending',
    pendingId: hold.id,
    code: 'preauth_release',
    reference,
  };
}

export type DrawdownSplit = {
  readonly fromAvailableFen: Fen;
  readonly fromPendingFen: Fen;
  readonly toArrearsFen: Fen;
};

/**
 * Where a charge against a merchant comes from: the available balance first, then pending
 * (unsettled) proceeds, and whatever is left becomes arrears (a bill).
 */
export function splitDrawdown(amountFen: Fen, availableFen: bigint, pendingFen: bigint): DrawdownSplit {
  assert(amountFen > 0n, 'drawdowns are positive');
  assert(availableFen >= 0n && pendingFen >= 0n, 'guarded balances are never negative');
  const fromAvailable = availableFen < amountFen ? availableFen : amountFen;
  const rest = amountFen - fromAvailable;
  const fromPending = pendingFen < rest ? pendingFen : rest;
  const split = {
    fromAvailableFen: fen(fromAvailable),
    fromPendingFen: fen(fromPending),
    toArrearsFen: fen(rest - fromPending),
  };
  assert(split.fromAvailableFen + split.fromPendingFen + split.toArrearsFen === amountFen, 'the split adds up');
  return split;
}

export type ChargeInput = {
  readonly key: string;
  readonly merchantId: string;
  readonly reference: string;
  readonly code: TransferCode;
  readonly split: DrawdownSplit;
  /** The account the charged money goes to (network receivable for cancellations, fee income for service fees). */
  readonly counterparty: SystemAccountKind;
};

/** Debits a merchant by a drawdown split; the arrears leg is what the resulting bill is for. */
export function chargePostings(input: ChargeInput): Transfer[] {
  const legs: Array<[MerchantAccountKind, Fen, TransferCode]> = [
    ['available', input.split.fromAvailableFen, input.code],
    ['pending', input.split.fromPendingFen, input.code],
    ['arrears', input.split.toArrearsFen, 'shortfall_to_arrears'],
  ];
  const transfers: Transfer[] = [];
  for (const [kind, amountFen, code] of legs) {
    if (amountFen === 0n) continue;
    transfers.push(
      posted({
        key: `${input.key}:${kind}`,
        debit: merchant(input.merchantId, kind),
        credit: system(input.counterparty, input.merchantId),
        amountFen,
        code,
        reference: input.reference,
        merchantId: input.merchantId,
      }),
    );
  }
  assert(transfers.length > 0, 'a charge moves money');
  return transfers;
}

/** Returns a cancelled transaction's fee to the merchant's side: income goes back to the network claim. */
export function feeReturnPosting(key: string, merchantId: string, reference: string, feeFen: Fen): Transfer {
  return posted({
    key,
    debit: system('fee_income', merchantId),
    credit: system('network_receivable', merchantId),
    amountFen: feeFen,
    code: 'cancellation_fee',
    reference,
    merchantId,
  });
}

export function releaseToAvailablePosting(merchantId: string, settlementDate: string, amountFen: Fen): Transfer {
  return posted({
    key: `release:${merchantId}:${settlementDate}`,
    debit: merchant(merchantId, 'pending'),
    credit: merchant(merchantId, 'available'),
    amountFen,
    code: 'release_to_available',
    reference: `release:${settlementDate}`,
    merchantId,
  });
}

export function payoutHoldPosting(payoutId: string, merchantId: string, grossFen: Fen): Transfer {
  assert(grossFen > 0n, 'payouts are positive');
  return {
    id: transferIdFor(`payout:${payoutId}:hold`),
    debitAccountId: merchant(merchantId, 'available'),
    creditAccountId: merchant(merchantId, 'payable'),
    amountFen: grossFen,
    flags: 'pending',
    pendingId: null,
    code: 'payout_hold',
    reference: payoutId,
    merchantId,
  };
}

/** Bank confirmed: complete the hold, then money leaves through the bank and the surcharge is income. */
export function payoutSuccessPostings(hold: Transfer, amountFen: Fen, surchargeFen: Fen): Transfer[] {
  assert(hold.code === 'payout_hold' && hold.merchantId !== null, 'payout holds belong to a merchant');
  assert(amountFen + surchargeFen === hold.amountFen, 'paid amount and surcharge make up the hold');
  const merchantId = hold.merchantId;
  const payable = merchant(merchantId, 'payable');
  const transfers: Transfer[] = [
    {
      ...hold,
      id: transferIdFor(`payout:${hold.reference}:complete`),
      flags: 'post_pending',
      pendingId: hold.id,
      code: 'payout_completion',
    },
    posted({
      key: `payout:${hold.reference}:sent`,
      debit: payable,
      credit: system('bank_cash', merchantId),
      amountFen,
      code: 'payout_sent',
      reference: hold.reference,
      merchantId,
    }),
  ];
  if (surchargeFen > 0n) {
    transfers.push(
      posted({
        key: `payout:${hold.reference}:surcharge`,
        debit: payable,
        credit: system('fee_income', merchantId),
        amountFen: surchargeFen,
        code: 'payout_surcharge',
        reference: hold.reference,
        merchantId,
      }),
    );
  }
  return transfers;
}

/** Bank failed for good: release the hold; the money is available again and the next T1 run pays it. */
export function payoutReleasePosting(hold: Transfer): Transfer {
  assert(hold.code === 'payout_hold', 'only payout holds are released here');
  return {
    ...hold,
    id: transferIdFor(`payout:${hold.reference}:release`),
    flags: 'void_pending',
    pendingId: hold.id,
    code: 'payout_release',
  };
}

/** A repayment collected outside the ledger (bank card debit, wallet) reduces arrears. */
export function externalRepaymentPosting(repaymentId: string, merchantId: string, amountFen: Fen): Transfer {
  return posted({
    key: `repayment:${repaymentId}`,
    debit: system('bank_cash', merchantId),
    credit: merchant(merchantId, 'arrears'),
    amountFen,
    code: 'repayment_external',
    reference: repaymentId,
    merchantId,
  });
}

/** Repayment from the merchant's own settlement money (available balance). */
export function settlementRepaymentPosting(repaymentId: string, merchantId: string, amountFen: Fen): Transfer {
  return posted({
    key: `repayment:${repaymentId}`,
    debit: merchant(merchantId, 'available'),
    credit: merchant(merchantId, 'arrears'),
    amountFen,
    code: 'repayment_from_settlement',
    reference: repaymentId,
    merchantId,
  });
}

/** Reconciliation adjustment: a positive amount raises what the network owes us, a negative one lowers it. */
export function reconciliationAdjustmentPosting(
  exceptionId: string,
  merchantId: string,
  signedAmountFen: Fen,
): Transfer {
  assert(signedAmountFen !== 0n, 'adjustments are non-zero');
  const receivable = system('network_receivable', merchantId);
  const adjustments = system('reconciliation_adjustments', merchantId);
  const raise = signedAmountFen > 0n;
  return posted({
    key: `reconciliation:${exceptionId}`,
    debit: raise ? receivable : adjustments,
    credit: raise ? adjustments : receivable,
    amountFen: fen(raise ? signedAmountFen : -signedAmountFen),
    code: 'reconciliation_adjustment',
    reference: exceptionId,
    merchantId,
  });
}

/**
 * The network settles a clearing date: per system shard, the net of the matched items (purchases
 * minus voids and refunds) moves from the network receivable into our bank account. Interchange and
 * network fees are not in the clearing file and are not modelled.
 */
export function networkSettlementPostings(
  clearingDate: string,
  netFenByShard: ReadonlyMap<number, bigint>,
): Transfer[] {
  const transfers: Transfer[] = [];
  for (const [shard, netFen] of [...netFenByShard.entries()].sort((left, right) => left[0] - right[0])) {
    if (netFen === 0n) continue;
    const receivable = systemAccountIdOfShard('network_receivable', shard);
    const bank = systemAccountIdOfShard('bank_cash', shard);
    const paidToUs = netFen > 0n;
    transfers.push({
      id: transferIdFor(`network-settlement:${clearingDate}:${shard}`),
      debitAccountId: paidToUs ? bank : receivable,
      creditAccountId: paidToUs ? receivable : bank,
      amountFen: fen(paidToUs ? netFen : -netFen),
      flags: 'posted',
      pendingId: null,
      code: 'network_settlement',
      reference: `network-settlement:${clearingDate}`,
      merchantId: null,
    });
  }
  return transfers;
}
