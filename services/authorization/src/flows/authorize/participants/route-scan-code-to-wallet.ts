/**
 * The upstream route of a scan-code purchase (field 22 = 03x, the customer's payment code in field
 * 59): the wallet provider chosen by the code's prefix instead of the card network. Everything else
 * goes to routeUpstream unchanged. A payment the user has not confirmed before the budget ends is
 * answered 98 and abandoned, and the QR resolver revokes it; an approval the pipeline later aborts is
 * abandoned too, so the customer's money is returned.
 */
import { assert } from '@acq/assert';
import { abandonTerminalPayment, keepTerminalPayment, payAtTerminal } from '../../../qr/flows/qr-payments.ts';
import { TERMINAL_RECORDING_RESERVE_MS } from '../../../qr/limits.ts';
import type { FlowDependencies } from '../../flow-dependencies.ts';
import type { AuthorizationContext } from '../authorization-context.ts';
import { type Participant, Vote } from '../participant.ts';
import { routeUpstream } from './route-upstream.ts';

/** The QR order of each scan-code purchase in flight, for abort. */
const walletOrderOfContext = new WeakMap<AuthorizationContext, string>();

const DECLINE_CODE_BY_WALLET_ERROR: Readonly<Record<string, string>> = {
  NOTENOUGH: '51',
  INVALID_AMOUNT: '13',
};
const INVALID_CODE_ERRORS = new Set(['AUTH_CODE_INVALID', 'AUTH_CODE_EXPIRED', 'PROVIDER_MISMATCH']);

/** A scan-code purchase goes to the wallet provider when the QR module is there (else field 59 to the card network). */
export function paysThroughWallet(ctx: AuthorizationContext, deps: FlowDependencies): boolean {
  return ctx.entryMethod === 'scan_code' && deps.scanCodePayments !== undefined;
}

export const routeScanCodeToWallet: Participant = {
  name: routeUpstream.name,
  uninterruptible: true,
  async prepare(ctx, deps) {
    // Without the QR module (the card pipeline run alone) a scan code travels in field 59 to the
    // card network, as CUP carries UnionPay QR payments.
    if (!paysThroughWallet(ctx, deps)) return routeUpstream.prepare(ctx, deps);
    const qr = deps.scanCodePayments;
    assert(qr !== undefined, 'a wallet payment goes through the QR module');
    const terminal = ctx.terminal;
    assert(terminal !== undefined, 'routing needs the bound merchant');
    if (ctx.request.kind !== 'purchase') {
      ctx.decline('terminal_not_permitted');
      return Vote.ABORTED | Vote.NO_JOIN;
    }
    const result = await payAtTerminal(qr, {
      terminal,
      amountFen: ctx.request.amountFen,
      paymentCode: ctx.request.scanCode,
      authTxnId: ctx.txnId,
      waitUntilMs: deps.nowMs() + ctx.remainingMs(deps.nowMs()) - TERMINAL_RECORDING_RESERVE_MS,
    });
    if (result.outcome === 'approved') {
      walletOrderOfContext.set(ctx, result.order.orderId);
      ctx.authCode = result.order.orderId.slice(-6).toUpperCase();
      ctx.approve();
      return Vote.PREPARED;
    }
    if (result.outcome === 'timeout') ctx.decline('upstream_timeout');
    else if (INVALID_CODE_ERRORS.has(result.failureCode)) ctx.decline('invalid_card');
    else ctx.decline('issuer_declined', DECLINE_CODE_BY_WALLET_ERROR[result.failureCode] ?? '05');
    return Vote.ABORTED | Vote.NO_JOIN;
  },
  async commit(ctx, deps) {
    const orderId = walletOrderOfContext.get(ctx);
    if (orderId === undefined) return;
    assert(deps.scanCodePayments !== undefined, 'a wallet order was created through the QR module');
    await keepTerminalPayment(deps.scanCodePayments, orderId);
    walletOrderOfContext.delete(ctx);
  },
  async abort(ctx, deps) {
    const orderId = walletOrderOfContext.get(ctx);
    if (orderId === undefined) return routeUpstream.abort?.(ctx, deps);
    const qr = deps.scanCodePayments;
    assert(qr !== undefined, 'a wallet order was created through the QR module');
    await abandonTerminalPayment(qr, orderId);
  },
};
