/**
 * RiskPort over risk gRPC: Assess requests ride a few long-lived bidirectional streams (one
 * correlation id and deadline each); when no stream is up the unary AssessOnce is the fallback.
 * A missing answer within the budget is reported as `timeout` and the flow applies the fail policy.
 */
import { ServiceError, StreamMultiplexer, StreamUnavailableError, callUnary } from '@acq/grpc';
import {
  type AssessRequest,
  type AssessResponse,
  Decision,
  EntryMode,
  FeeCategory,
  MerchantStatus,
  MerchantType,
  ReleaseReason,
  type RiskServiceClient,
  TerminalStatus,
} from '@acq/proto/risk/v1/risk.ts';
import { entryMethodOf } from '../domain/entry-mode.ts';
import type { FlowLogger } from '../flows/flow-dependencies.ts';
import { protoCardKindOf, protoKindOf } from '../flows/proto-kinds.ts';
import type { RiskAssessment, RiskDecision, RiskPort, TerminalContext } from '../flows/ports.ts';

export interface RiskClientLimits {
  readonly streamCount: number;
  readonly inFlightMax: number;
  readonly reconnectDelayMsMin: number;
  readonly reconnectDelayMsMax: number;
  readonly releaseTimeoutMs: number;
}

let correlationSequence = 0;

export class RiskClient implements RiskPort {
  readonly #client: RiskServiceClient;
  readonly #streams: StreamMultiplexer<AssessRequest, AssessResponse>;
  readonly #limits: RiskClientLimits;
  readonly #logger: FlowLogger;

  constructor(client: RiskServiceClient, limits: RiskClientLimits, logger: FlowLogger) {
    this.#client = client;
    this.#limits = limits;
    this.#logger = logger;
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

  async release(reservationId: string, reason: string): Promise<void> {
    await callUnary(
      this.#client.release.bind(this.#client),
      { reservationId, reason: releaseReasonOf(reason) },
      { timeoutMs: this.#limits.releaseTimeoutMs },
    );
  }

  async confirm(reservationId: string, txnId: string): Promise<void> {
    await callUnary(
      this.#client.confirm.bind(this.#client),
      { reservationId, txnId },
      { timeoutMs: this.#limits.releaseTimeoutMs },
    );
  }

  close(): void {
    this.#streams.close();
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
