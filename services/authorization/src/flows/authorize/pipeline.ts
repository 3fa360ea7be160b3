/**
 * The authorization pipeline as configuration: participants in order, in groups chosen by the
 * transaction kind (jPOS Switch). Adding a step is one file and one line here.
 */
import { assert } from '@acq/assert';
import type { TransactionKind } from '../../domain/transaction-kind.ts';
import { PIPELINE_STEP_COUNT_MAX } from '../../limits.ts';
import type { Participant } from './participant.ts';
import { applyReversal } from './participants/apply-reversal.ts';
import { assessRisk } from './participants/assess-risk.ts';
import { checkAmountRules } from './participants/check-amount-rules.ts';
import { claimOriginal } from './participants/claim-original.ts';
import { classifyCard } from './participants/classify-card.ts';
import { computeFee } from './participants/compute-fee.ts';
import { detectCodeJump } from './participants/detect-code-jump.ts';
import { loadOriginal } from './participants/load-original.ts';
import { loadTerminalContext } from './participants/load-terminal-context.ts';
import { recordBatchUpload } from './participants/record-batch-upload.ts';
import { recordIntent } from './participants/record-intent.ts';
import { recordOutcome } from './participants/record-outcome.ts';
import { reserveNetworkIdentity } from './participants/reserve-network-identity.ts';
import { routeScanCodeToWallet } from './participants/route-scan-code-to-wallet.ts';
import { settleBatch } from './participants/settle-batch.ts';
import { translatePin } from './participants/translate-pin.ts';
import { validateRequest } from './participants/validate-request.ts';

const CONTEXT = [validateRequest, classifyCard, loadTerminalContext] as const;
/**
 * Validate, context, reserve the network identity, record the intent with it (duplicate check), 跳码,
 * rules, risk, PIN, route, fee, persist + publish.
 */
const NEW_CARD_TRANSACTION = [
  reserveNetworkIdentity,
  recordIntent,
  detectCodeJump,
  checkAmountRules,
  assessRisk,
  translatePin,
] as const;
const FINISH = [routeScanCodeToWallet, computeFee, recordOutcome] as const;
const REFERRING = [
  loadOriginal,
  reserveNetworkIdentity,
  recordIntent,
  detectCodeJump,
  checkAmountRules,
  claimOriginal,
] as const;

export const PIPELINE_BY_KIND: Readonly<Record<TransactionKind, readonly Participant[]>> = {
  balance_inquiry: [...CONTEXT, ...NEW_CARD_TRANSACTION, ...FINISH],
  purchase: [...CONTEXT, ...NEW_CARD_TRANSACTION, ...FINISH],
  preauth: [...CONTEXT, ...NEW_CARD_TRANSACTION, ...FINISH],
  completion: [...CONTEXT, ...REFERRING, assessRisk, translatePin, ...FINISH],
  refund: [...CONTEXT, ...REFERRING, assessRisk, translatePin, ...FINISH],
  void: [...CONTEXT, ...REFERRING, translatePin, ...FINISH],
  preauth_void: [...CONTEXT, ...REFERRING, translatePin, ...FINISH],
  completion_void: [...CONTEXT, ...REFERRING, translatePin, ...FINISH],
  reversal: [...CONTEXT, applyReversal],
  batch_settlement: [...CONTEXT, settleBatch],
  batch_upload: [...CONTEXT, recordBatchUpload],
};

for (const [kind, participants] of Object.entries(PIPELINE_BY_KIND)) {
  assert(participants.length <= PIPELINE_STEP_COUNT_MAX, `pipeline ${kind} exceeds the step limit`);
  assert(new Set(participants).size === participants.length, `pipeline ${kind} lists a step twice`);
}

export function pipelineFor(kind: TransactionKind): readonly Participant[] {
  return PIPELINE_BY_KIND[kind];
}
