/**
 * What an approval does to the card and to the approvals it refers to, and how a reversal undoes
 * it. Kept apart from the checks in issuer.ts: these run only after every check passed, and every
 * effect has its inverse right below it so the pair stays symmetrical.
 */
import { assert, unreachable } from '@acq/assert';
import type { Fen } from '@acq/money';
import type { Card } from './card.ts';
import type { NetworkApproval } from './issuer.ts';

/** The approvals an operation touches besides its own record. */
export interface LinkedApprovals {
  /** The approval the request referred to (voided, completed or refunded one). */
  readonly original: NetworkApproval | undefined;
  /** For a completion void: the pre-auth whose hold comes back. */
  readonly preAuth: NetworkApproval | undefined;
}

function linked(approval: NetworkApproval | undefined, what: string): NetworkApproval {
  assert(approval !== undefined, `${what} must be linked`);
  return approval;
}

function addFen(target: Fen, delta: bigint): Fen {
  return (target + delta) as Fen;
}

export function applyApproval(card: Card, approval: NetworkApproval, links: LinkedApprovals): void {
  const amountFen = approval.amountFen;
  switch (approval.operation) {
    case 'purchase':
      card.balanceFen = addFen(card.balanceFen, -amountFen);
      break;
    case 'balanceInquiry':
      break;
    case 'preAuth':
      card.holdsFen = addFen(card.holdsFen, amountFen);
      approval.holdRemainingFen = amountFen;
      break;
    case 'preAuthVoid':
    case 'completion': {
      const preAuth = linked(links.original, 'pre-auth');
      approval.releasedHoldFen = preAuth.holdRemainingFen;
      card.holdsFen = addFen(card.holdsFen, -preAuth.holdRemainingFen);
      preAuth.holdRemainingFen = 0n as Fen;
      if (approval.operation === 'completion') card.balanceFen = addFen(card.balanceFen, -amountFen);
      else preAuth.voided = true;
      break;
    }
    case 'completionVoid': {
      const completion = linked(links.original, 'completion');
      const preAuth = linked(links.preAuth, 'pre-auth of the completion');
      card.balanceFen = addFen(card.balanceFen, completion.amountFen);
      card.holdsFen = addFen(card.holdsFen, completion.releasedHoldFen);
      preAuth.holdRemainingFen = completion.releasedHoldFen;
      completion.voided = true;
      break;
    }
    case 'void': {
      const purchase = linked(links.original, 'purchase');
      card.balanceFen = addFen(card.balanceFen, purchase.amountFen);
      purchase.voided = true;
      break;
    }
    case 'refund': {
      const refunded = linked(links.original, 'refunded original');
      card.balanceFen = addFen(card.balanceFen, amountFen);
      refunded.refundedFen = addFen(refunded.refundedFen, amountFen);
      assert(refunded.refundedFen <= refunded.amountFen, 'refunds never exceed their original');
      break;
    }
    default:
      unreachable(approval.operation);
  }
  assert(card.holdsFen >= 0n, 'holds never go negative');
}

/**
 * A reversal may undo an approval only while nothing later depends on it: a voided or refunded
 * purchase, or a pre-auth already completed or voided, is undone by voiding the dependent first.
 */
export function isReversible(approval: NetworkApproval): boolean {
  if (approval.state !== 'approved') return false;
  if (approval.voided || approval.refundedFen > 0n) return false;
  if (approval.operation === 'preAuth' && approval.holdRemainingFen !== approval.amountFen) return false;
  return true;
}

export function reverseApproval(card: Card, approval: NetworkApproval, links: LinkedApprovals): void {
  assert(isReversible(approval), 'only reversible approvals are reversed');
  const amountFen = approval.amountFen;
  switch (approval.operation) {
    case 'purchase':
      card.balanceFen = addFen(card.balanceFen, amountFen);
      break;
    case 'balanceInquiry':
      break;
    case 'preAuth':
      card.holdsFen = addFen(card.holdsFen, -approval.holdRemainingFen);
      approval.holdRemainingFen = 0n as Fen;
      break;
    case 'preAuthVoid':
    case 'completion': {
      const preAuth = linked(links.original, 'pre-auth');
      card.holdsFen = addFen(card.holdsFen, approval.releasedHoldFen);
      preAuth.holdRemainingFen = approval.releasedHoldFen;
      if (approval.operation === 'completion') card.balanceFen = addFen(card.balanceFen, amountFen);
      else preAuth.voided = false;
      break;
    }
    case 'completionVoid': {
      const completion = linked(links.original, 'completion');
      const preAuth = linked(links.preAuth, 'pre-auth of the completion');
      card.balanceFen = addFen(card.balanceFen, -completion.amountFen);
      card.holdsFen = addFen(card.holdsFen, -completion.releasedHoldFen);
      preAuth.holdRemainingFen = 0n as Fen;
      completion.voided = false;
      break;
    }
    case 'void': {
      const purchase = linked(links.original, 'purchase');
      card.balanceFen = addFen(card.balanceFen, -purchase.amountFen);
      purchase.voided = false;
      break;
    }
    case 'refund': {
      const refunded = linked(links.original, 'refunded original');
      card.balanceFen = addFen(card.balanceFen, -amountFen);
      refunded.refundedFen = addFen(refunded.refundedFen, -amountFen);
      break;
    }
    default:
      unreachable(approval.operation);
  }
  approval.state = 'reversed';
  assert(card.holdsFen >= 0n, 'holds never go negative');
}
