/**
 * The network reversal (0400) of one of our messages, named by the network identity it was sent
 * (or reserved) with. One builder for the three places that reverse: the pipeline undoing its own
 * approval or timeout, the terminal's reversal, and crash recovery of an interrupted intent.
 */
import { assert } from '@acq/assert';
import type { StoredTransaction } from '../store/transaction-row.ts';
import { type UpstreamReversal, type UpstreamReversalReason, upstreamKindOf } from './ports.ts';

export type ReversedMessage = Pick<
  StoredTransaction,
  | 'txnId'
  | 'kind'
  | 'amountFen'
  | 'networkStan'
  | 'transmissionDateTime'
  | 'terminalId'
  | 'merchantNumber'
  | 'posConditionCode'
>;

export function upstreamReversalOf(
  message: ReversedMessage,
  reason: UpstreamReversalReason,
  acquirerInstitutionId: string,
  /** The network's RRN and auth code, when it answered the message. */
  answer: { readonly rrn: string; readonly authCode: string } = { rrn: '', authCode: '' },
): UpstreamReversal {
  assert(message.networkStan !== '' && message.transmissionDateTime !== '', 'a reversal names a network identity');
  const reversal: UpstreamReversal = {
    txnId: message.txnId,
    reason,
    kind: upstreamKindOf(message.kind),
    amountFen: message.amountFen,
    networkStan: message.networkStan,
    transmissionDateTime: message.transmissionDateTime,
    terminalId: message.terminalId,
    merchantNumber: message.merchantNumber,
    acquirerInstitutionId,
    posConditionCode: message.posConditionCode,
  };
  if (answer.rrn !== '') reversal.rrn = answer.rrn;
  if (answer.authCode !== '') reversal.authCode = answer.authCode;
  return reversal;
}
