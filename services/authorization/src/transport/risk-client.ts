/**
 * RiskPort over risk gRPC: Assess requests ride a few long-lived bidirectional streams (one
 * correlation id and deadline each); when no stream is up the unary AssessOnce is the fallback.
 * A missing answer within the budget is reported as `timeout` and the flow applies the fail policy.
 * Confirms and releases of the same few milliseconds share one SettleReservations call (a unary
 * call per transaction would cost more CPU than the rest of the risk exchange).
 */
import { performance } from 'node:perf_hooks';
import { ServiceError, StreamMultiplexer, StreamUnavailableError, callUnary } from '@acq/grpc';
import {
  type AssessRequest,
  type AssessResponse,
  type ConfirmRequest,
  Decision,
  EntryMode,
  FeeCategory,
  MerchantStatus,
  MerchantType,
  ReleaseReason,
  type ReleaseRequest,
  type RiskServiceClient,
  TerminalStatus,
} from '@acq/proto/risk/v1/risk.ts';
import { entryMethodOf } from '../domain/entry-mode.ts';
import type { FlowLogger } from '../flows/flow-dependencies.ts';
import { protoCardKindOf, protoKindOf } from '../flows/proto-kinds.ts';
import type { RiskAssessment, RiskDecision, RiskPort, TerminalContext } from '../flows/ports.ts';
import { GroupCommitter } from '../store/group-commit.ts';

type ReservationSettlement =
  | { readonly kind: 'confirm'; readonly request: ConfirmRequest }
  | { readonly kind: 'release'; readonly request: ReleaseRequest };

export interface RiskClientLimits {
  readonly streamCount: number;
  readonly inFlightMax: number;
  readonly reconnectDelayMsMin: number;
  readonly reconnectDelayMsMax: number;
  readonly releaseTimeoutMs: number;
  /** Confirms and releases collected into one SettleReservations call, and the wait for more. */
  readonly settlementBatch: {
    readonly windowMs: number;
    readonly sizeMax: number;
    readonly queueSizeMax: number;
    readonly callsInFlightMax: number;
  };
}

let correlationSequence = 0;

export class RiskClient implements RiskPort {
  readonly #client: RiskServiceClient;
  readonly #streams: StreamMultiplexer<AssessRequest, AssessResponse>;
  readonly #limits: RiskClientLimits;
  readonly #logger: FlowLogger;
  readonly #settlements: GroupCommitter<ReservationSettlement, undefined>;

  readonly #observeAssess: (elapsedMs: number, outcome: RiskDecision['outcome']) => void;

  /** observeAssess sees every Assess exchange as the pipeline waits for it (the step's real cost). */
  constructor(
    client: RiskServiceClient,
    limits: RiskClientLimits,
    logger: FlowLogger,
    observeAssess: (elapsedMs: number, outcome: RiskDecision['outcome']) => void = () => {},
  ) {
    this.#observeAssess = observeAssess;
    this.#client = client;
    this.#limits = limits;
    this.#logger = logger;
    this.#settlements = new GroupCommitter((batch) => this.#settle(batch), {
      windowMs: limits.settlementBatch.windowMs,
      idleFlush: 'after_window',
      rowsMax: limits.settlementBatch.sizeMax,
      queueRowsMax: limits.settlementBatch.queueSizeMax,
      concurrentBatchesMax: limits.settlementBatch.callsInFlightMax,
    });
    this.#streams = new StreamMultiplexer({
      open: () => client.assess(),
      correlationIdOf: (response) => response.correlationId,
      inFlightMax: limits.inFlightMax,
      streamCount: limits.streamCount,
      reconnectDelayMsMin: limits.reconnectDelayMsMin,
      reconnectDelayMsMax: limits.reconnectDelayMsMax,
      onStreamError: (error) => logger.warn({ err: error }, 'risk stream failed'),
    });
  }

  get connectedStreams(): number {
    return this.#streams.connectedStreams;
  }

  async assess(input: RiskAssessment, options: { timeoutMs: number }): Promise<RiskDecision> {
    const startedAt = performance.now();
    const decision = await this.#exchange(input, options);
    this.#observeAssess(performance.now() - startedAt, decision.outcome);
    return decision;
  }

  async #exchange(input: RiskAssessment, options: { timeoutMs: number }): Promise<RiskDecision> {
    correlationSequence += 1;
    const correlationId = `${input.txnId}:${correlationSequence}`;
    const request = assessRequestOf(input, correlationId, options.timeoutMs);
    try {
      return decisionOf(await this.#streams.request(correlationId, request, options.timeoutMs));
    } catch (error) {
      if (error instanceof StreamUnavailableError) return this.#assessOnce(request, options.timeoutMs);
      // Sent but unanswered in time (or the stream broke): the outcome is unknown to us.
      return { outcome: 'timeout' };
    }
  }

  release(reservationId: string, reason: string): Promise<void> {
    return this.#settlements.submit({ kind: 'release', request: { reservationId, reason: releaseReasonOf(reason) } });
  }

  confirm(reservationId: string, txnId: string): Promise<void> {
    return this.#settlements.submit({ kind: 'confirm', request: { reservationId, txnId } });
  }

  /** Sends what is still queued, then closes the streams. */
  async close(): Promise<void> {
    await this.#settlements.close();
    this.#streams.close();
  }

  async #settle(batch: readonly ReservationSettlement[]): Promise<undefined[]> {
    const confirms: ConfirmRequest[] = [];
    const releases: ReleaseRequest[] = [];
    for (const settlement of batch) {
      if (settlement.kind === 'confirm') confirms.push(settlement.request);
      else releases.push(settlement.request);
    }
    await callUnary(
      this.#client.settleReservations.bind(this.#client),
      { confirms, releases },
      { timeoutMs: this.#limits.releaseTimeoutMs },
    );
    return batch.map(() => undefined);
  }

  async #assessOnce(request: AssessRequest, timeoutMs: number): Promise<RiskDecision> {
    try {
      return decisionOf(await callUnary(this.#client.assessOnce.bind(this.#client), request, { timeoutMs }));
    } catch (error) {
      const timedOut = error instanceof ServiceError && error.code === 'DEADLINE_EXCEEDED';
      if (!timedOut) this.#logger.warn({ txnId: request.txnId, err: error }, 'risk AssessOnce failed');
      return { outcome: timedOut ? 'timeout' : 'unavailable' };
    }
  }
}

function decisionOf(response: AssessResponse): RiskDecision {
  const firedRules = response.firedRules.map((rule) => rule.rule);
  if (response.decision === Decision.DECISION_DECLINE) {
    return { outcome: 'decline', responseCode: response.responseCode, firedRules };
  }
  if (response.decision === Decision.DECISION_APPROVE || response.decision === Decision.DECISION_APPROVE_AND_FLAG) {
    const outcome = response.decision === Decision.DECISION_APPROVE ? 'approve' : 'approve_and_flag';
    return { outcome, reservationId: response.reservationId, firedRules };
  }
  // An answer without a decision is a contract violation: treat it like silence.
  return { outcome: 'unavailable' };
}

function releaseReasonOf(reason: string): ReleaseReason {
  if (reason === 'upstream_timeout' || reason === 'budget_exhausted' || reason === 'risk_unavailable') {
    return ReleaseReason.RELEASE_REASON_TIMED_OUT;
  }
  return ReleaseReason.RELEASE_REASON_DECLINED_UPSTREAM;
}

const ENTRY_MODE_BY_METHOD = {
  magstripe: EntryMode.ENTRY_MODE_MAGSTRIPE,
  fallback: EntryMode.ENTRY_MODE_MAGSTRIPE,
  contact_ic: EntryMode.ENTRY_MODE_CONTACT_IC,
  contactless: EntryMode.ENTRY_MODE_CONTACTLESS,
  scan_code: EntryMode.ENTRY_MODE_SCAN_CODE,
  manual: EntryMode.ENTRY_MODE_MANUAL,
  unknown: EntryMode.ENTRY_MODE_UNSPECIFIED,
} as const;

function assessRequestOf(input: RiskAssessment, correlationId: string, deadlineMs: number): AssessRequest {
  return {
    correlationId,
    deadlineMs,
    txnId: input.txnId,
    kind: protoKindOf(input.kind),
    terminal: riskTerminalOf(input.terminal),
    cardToken: input.cardToken,
    cardKind: protoCardKindOf(input.cardKind),
    amountFen: input.amountFen,
    entryMode: ENTRY_MODE_BY_METHOD[entryMethodOf(input.posEntryMode)],
    pinPresent: input.pinPresent,
    merchantNumberFromTerminal: input.merchantNumberFromTerminal,
    reportedLocation: input.location ?? undefined,
    occurredAtMs: BigInt(input.occurredAtMs),
  };
}

function riskTerminalOf(terminal: TerminalContext): AssessRequest['terminal'] {
  return {
    terminalId: terminal.terminalId,
    merchantId: terminal.merchantId,
    merchantNumber: terminal.merchantNumber,
    mcc: terminal.mcc,
    areaCode: terminal.areaCode,
    merchantType:
      terminal.merchantType === 'enterprise'
        ? MerchantType.MERCHANT_TYPE_ENTERPRISE
        : MerchantType.MERCHANT_TYPE_INDIVIDUAL,
    merchantStatus: {
      active: MerchantStatus.MERCHANT_STATUS_ACTIVE,
      frozen: MerchantStatus.MERCHANT_STATUS_FROZEN,
      closed: MerchantStatus.MERCHANT_STATUS_CLOSED,
    }[terminal.merchantStatus],
    terminalStatus: {
      registered: TerminalStatus.TERMINAL_STATUS_REGISTERED,
      activated: TerminalStatus.TERMINAL_STATUS_ACTIVATED,
      frozen: TerminalStatus.TERMINAL_STATUS_FROZEN,
      retired: TerminalStatus.TERMINAL_STATUS_RETIRED,
    }[terminal.terminalStatus],
    boundAtMs: BigInt(terminal.boundAtMs),
    reboundAtMs: BigInt(terminal.reboundAtMs),
    t0Enabled: terminal.t0Enabled,
    feeCategory: feeCategoryOf(terminal.feePlan.category),
    registeredLocation: terminal.location,
    contextVersion: terminal.contextVersion,
  };
}

function feeCategoryOf(category: string): FeeCategory {
  if (category === 'discounted') return FeeCategory.FEE_CATEGORY_DISCOUNTED;
  if (category === 'exempt') return FeeCategory.FEE_CATEGORY_EXEMPT;
  if (category === 'standard') return FeeCategory.FEE_CATEGORY_STANDARD;
  return FeeCategory.FEE_CATEGORY_UNSPECIFIED;
}
