/**
 * Format checks of the terminal request (field 39 = 30 / 13 / 14 / 54 when they fail) and the card
 * facts derived from it: PAN and expiry from field 2/14 or track 2, entry method, token and mask.
 */
import { assert } from '@acq/assert';
import { AMOUNT_FEN_MAX } from '@acq/money';
import { cardToken, isExpired, isWellFormedPan, maskPan, panAndExpiryFromTrack2 } from '../../../domain/card-data.ts';
import { entryMethodOf, pinEnteredPerEntryMode } from '../../../domain/entry-mode.ts';
import { ORIGINAL_KIND_BY_KIND, type TransactionKind } from '../../../domain/transaction-kind.ts';
import { ICC_DATA_BYTES_MAX, SCAN_CODE_LENGTH_MAX } from '../../../limits.ts';
import type { TerminalRequest } from '../../terminal-request.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';

const DIGITS_6 = /^[0-9]{6}$/;
const TERMINAL_ID = /^[0-9A-Za-z]{8}$/;

export const validateRequest: Participant = {
  name: 'validate-request',
  async prepare(ctx, deps) {
    const request = ctx.request;
    const formatProblem = findFormatProblem(request);
    if (formatProblem !== undefined) {
      ctx.decline(formatProblem === 'amount' ? 'invalid_amount' : 'format_error');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    if (!carriesCard(request.kind)) return Vote.PREPARED | Vote.NO_JOIN;
    ctx.entryMethod = entryMethodOf(request.posEntryMode);
    ctx.pinPresent = request.pinBlock !== null && pinEnteredPerEntryMode(request.posEntryMode);
    if (ctx.entryMethod === 'scan_code') return acceptScanCode(ctx);
    return acceptCard(ctx, deps.settings.cardTokenKey, new Date(deps.nowMs()));
  },
};

function carriesCard(kind: TransactionKind): boolean {
  return kind !== 'reversal' && kind !== 'batch_settlement' && kind !== 'batch_upload';
}

function findFormatProblem(request: TerminalRequest): 'format' | 'amount' | undefined {
  if (!TERMINAL_ID.test(request.terminalId)) return 'format';
  if (!DIGITS_6.test(request.stan) || !DIGITS_6.test(request.batchNumber)) return 'format';
  if (request.amountFen < 0n || request.amountFen > AMOUNT_FEN_MAX) return 'amount';
  if (needsAmount(request.kind) && request.amountFen === 0n) return 'amount';
  if (request.iccData !== null && request.iccData.length > ICC_DATA_BYTES_MAX) return 'format';
  if (request.scanCode.length > SCAN_CODE_LENGTH_MAX) return 'format';
  if (ORIGINAL_KIND_BY_KIND[request.kind] !== undefined && request.kind !== 'reversal') {
    const original = request.original;
    if (original === null || !DIGITS_6.test(original.stan) || !DIGITS_6.test(original.batchNumber)) return 'format';
  }
  if (request.kind === 'batch_settlement' && request.settlementTotals === null) return 'format';
  return undefined;
}

function needsAmount(kind: TransactionKind): boolean {
  return kind !== 'balance_inquiry' && kind !== 'reversal' && kind !== 'batch_settlement' && kind !== 'batch_upload';
}

function acceptScanCode(ctx: AuthorizationContext): number {
  // Customer-presented payment codes are only for purchases (and their refunds/voids by reference).
  if (ctx.request.scanCode.length < 16 || !/^[0-9]+$/.test(ctx.request.scanCode)) {
    ctx.decline('format_error');
    return Vote.ABORTED | Vote.NO_JOIN;
  }
  return Vote.PREPARED | Vote.NO_JOIN;
}

function acceptCard(ctx: AuthorizationContext, tokenKey: Uint8Array, today: Date): number {
  const request = ctx.request;
  const fromTrack = request.track2 === '' ? undefined : panAndExpiryFromTrack2(request.track2);
  if (request.track2 !== '' && fromTrack === undefined) {
    ctx.decline('invalid_card');
    return Vote.ABORTED | Vote.NO_JOIN;
  }
  const pan = request.pan !== '' ? request.pan : (fromTrack?.pan ?? '');
  const expiryYymm = request.expiryYymm !== '' ? request.expiryYymm : (fromTrack?.expiryYymm ?? '');
  if (!isWellFormedPan(pan) || (fromTrack !== undefined && fromTrack.pan !== pan)) {
    ctx.decline('invalid_card');
    return Vote.ABORTED | Vote.NO_JOIN;
  }
  if (expiryYymm !== '' && (!/^[0-9]{4}$/.test(expiryYymm) || isExpired(expiryYymm, today))) {
    ctx.decline('expired_card');
    return Vote.ABORTED | Vote.NO_JOIN;
  }
  ctx.pan = pan;
  ctx.track2 = request.track2;
  ctx.expiryYymm = expiryYymm;
  ctx.pinBlock = request.pinBlock;
  ctx.panMasked = maskPan(pan);
  ctx.cardToken = cardToken(pan, tokenKey);
  assert(ctx.panMasked.length === pan.length, 'the mask keeps the PAN length');
  return Vote.PREPARED | Vote.NO_JOIN;
}
