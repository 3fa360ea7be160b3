import { randomBytes } from 'node:crypto';
import { type Meter, type ObservableResult, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { Hsm } from '@acq/crypto';
import {
  cupPosSpec,
  type DecodedIndexedTerminalFrame,
  encodeTerminalFrame,
  encodeTerminalFrameWithMac,
  type IndexedIsoMessage,
  PROCESSING_REQUIREMENT,
  swapTpdu,
  withProcessingRequirement,
} from '@acq/iso8583';
import { ServiceError } from '@acq/grpc';
import { injectTraceContext, LATENCY_BUCKETS_MS, type Logger } from '@acq/telemetry';
import {
  type AuthorizeRequest,
  type AuthorizeResponse,
  HostDirective,
  TransactionKind,
  transactionKindToJSON,
} from '@acq/proto/authorization/v1/authorization.ts';
import type { TerminalContext } from '@acq/proto/merchant/v1/merchant.ts';
import { RESPONSE_CODE, type ResponseCode } from '@acq/terminal-protocol';
import type { AuthorizationPort } from '../../clients/authorization-client.ts';
import type { MerchantPort } from '../../clients/merchant-client.ts';
import type { TerminalContextCache } from '../../clients/terminal-contexts.ts';
import type { KeyedRateLimit } from '../../domain/keyed-rate-limit.ts';
import { buildAuthorizationResponse, buildRefusal, buildSignInResponse } from '../../domain/terminal-response.ts';
import { parseTerminalRequest, type TerminalRequest } from '../../domain/terminal-request.ts';
import { AUTHORIZATION_DEADLINE_MS, TERMINAL_REQUEST_SERIES_MAX } from '../../limits.ts';
import type { UnknownOutcomeReversals } from './unknown-outcome-reversals.ts';

/**
 * Requests that may carry a batch other than the current one: a reversal of a transaction from before
 * a settlement, and the batch upload (0320) that follows an unbalanced settlement of that batch.
 */
const KINDS_OF_AN_EARLIER_BATCH: ReadonlySet<number> = new Set([
  TransactionKind.TRANSACTION_KIND_REVERSAL,
  TransactionKind.TRANSACTION_KIND_BATCH_UPLOAD,
]);

export interface TerminalHandlerDependencies {
  hsm: Hsm;
  contexts: TerminalContextCache;
  merchant: MerchantPort;
  authorization: AuthorizationPort;
  reversals: UnknownOutcomeReversals;
  acquirerId: string;
  logger: Logger;
  meter: Meter;
  /** Per-terminal request rate (keyed by terminal id); absent in tests that do not exercise it. */
  rateLimit?: KeyedRateLimit;
  now?: () => number;
}

interface Reply {
  message: IndexedIsoMessage;
  /** The MAK (under the master key) that signs the reply; undefined sends it without a MAC. */
  makUnderMasterKey: string | undefined;
  processingRequirement: number;
}

/** Builds the request handler for one gateway process: decoded frame in, encoded reply out. */
export function createTerminalHandler(dependencies: TerminalHandlerDependencies) {
  const now = dependencies.now ?? Date.now;
  const correlationPrefix = randomBytes(4).toString('hex');
  let correlationCounter = 0;
  const answered = new AnsweredCounts();
  dependencies.meter
    .createObservableCounter('acquirer.gateway.terminal.requests', {
      description: 'Terminal requests answered, by MTI and field-39 response code',
    })
    .addCallback((result) => answered.observeInto(result));
  const throttled = dependencies.meter.createCounter('acquirer.gateway.terminal.throttled', {
    description: 'Terminal requests answered 96 because the terminal exceeded its request rate',
  });
  const macFailures = dependencies.meter.createCounter('acquirer.gateway.mac.failures', {
    description: 'Terminal requests refused with A0 because the MAC did not verify',
  });
  const signIns = dependencies.meter.createCounter('acquirer.gateway.terminal.sign_ins', {
    description: 'Terminal sign-ins by result',
  });
  // Counted in a plain number and read at each scrape: no metric call (attribute hashing) per request.
  let activeRequests = 0;
  dependencies.meter
    .createObservableUpDownCounter('acquirer.gateway.terminal.active_requests', {
      description: 'Terminal frames read and not yet answered (in flight)',
    })
    .addCallback((result) => result.observe(activeRequests));
  const duration = dependencies.meter.createHistogram('acquirer.gateway.authorization.duration', {
    description: 'Gateway-observed time from frame read to reply, by transaction kind and response code',
    unit: 'ms',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
  });

  const refusal = (message: IndexedIsoMessage, code: ResponseCode, processingRequirement = 0): Reply => ({
    message: buildRefusal(message, code, dependencies.acquirerId, now()),
    makUnderMasterKey: undefined,
    processingRequirement,
  });

  async function signIn(
    message: IndexedIsoMessage,
    request: Extract<TerminalRequest, { type: 'sign-in' }>,
  ): Promise<Reply> {
    try {
      const signedIn = await dependencies.merchant.signInTerminal({
        terminalId: request.terminalId,
        merchantNumberFromTerminal: request.merchantNumber,
        keyMode: request.keyMode,
        operatorNumber: request.operatorNumber,
      });
      if (signedIn.context !== undefined) dependencies.contexts.put(signedIn.context);
      signIns.add(1, { result: 'approved' });
      dependencies.logger.info({ terminalId: request.terminalId, keyMode: request.keyMode }, 'terminal signed in');
      return {
        message: buildSignInResponse(
          message,
          {
            field62: Buffer.from(signedIn.field62),
            batchNumber: signedIn.batchNumber,
            merchantNumber: signedIn.context?.merchantNumber ?? request.merchantNumber,
          },
          dependencies.acquirerId,
          now(),
        ),
        makUnderMasterKey: undefined,
        processingRequirement: 0,
      };
    } catch (error) {
      const code = refusalCodeOf(error);
      signIns.add(1, { result: code });
      dependencies.logger.warn({ terminalId: request.terminalId, responseCode: code, err: error }, 'sign-in refused');
      return refusal(message, code);
    }
  }

  async function verifiedContext(
    frame: DecodedIndexedTerminalFrame,
    request: Extract<TerminalRequest, { type: 'financial' }>,
  ): Promise<TerminalContext | ResponseCode> {
    const context = await dependencies.contexts.get(request.terminalId);
    if (context === undefined) return RESPONSE_CODE.terminalNotRegistered;
    const mac = frame.message.fieldValues[64];
    if (!Buffer.isBuffer(mac)) return request.macRequired ? RESPONSE_CODE.macFailure : context;
    if (macVerifies(context, frame.macInput, mac)) return context;
    // The terminal may have signed in through another gateway: check once against a fresh read.
    const fresh = await dependencies.contexts.get(request.terminalId, { fresh: true });
    if (fresh !== undefined && macVerifies(fresh, frame.macInput, mac)) return fresh;
    macFailures.add(1);
    return RESPONSE_CODE.macFailure;
  }

  function macVerifies(context: TerminalContext, macInput: Buffer, mac: Buffer): boolean {
    if (!context.signedIn || context.makUnderMasterKey.length === 0) return false;
    return dependencies.hsm.verifyMac(context.makUnderMasterKey, macInput, mac);
  }

  async function authorize(
    frame: DecodedIndexedTerminalFrame,
    request: Extract<TerminalRequest, { type: 'financial' }>,
  ): Promise<Reply> {
    const context = await verifiedContext(frame, request);
    if (typeof context === 'string') {
      const resign = context === RESPONSE_CODE.macFailure ? PROCESSING_REQUIREMENT.signInAgain : 0;
      return refusal(frame.message, context, resign);
    }
    if (!context.signedIn) return refusal(frame.message, RESPONSE_CODE.macFailure, PROCESSING_REQUIREMENT.signInAgain);
    if (isThrottled(request)) {
      throttled.add(1);
      return refusal(frame.message, RESPONSE_CODE.switchFailure);
    }
    if (request.batchNumber !== context.batchNumber && !KINDS_OF_AN_EARLIER_BATCH.has(request.request.kind)) {
      return refusal(frame.message, RESPONSE_CODE.batchNumberMismatch, PROCESSING_REQUIREMENT.signInAgain);
    }
    correlationCounter = (correlationCounter + 1) % Number.MAX_SAFE_INTEGER;
    // The parsed request is this frame's own object: completed in place rather than copied.
    const authorizeRequest: AuthorizeRequest = request.request;
    authorizeRequest.correlationId = `${correlationPrefix}-${correlationCounter}`;
    authorizeRequest.deadlineMs = AUTHORIZATION_DEADLINE_MS;
    // Streamed requests carry no per-call gRPC metadata, so the trace context rides in the message.
    authorizeRequest.traceparent = injectTraceContext({}).traceparent ?? '';
    let answer: AuthorizeResponse;
    try {
      answer = await dependencies.authorization.authorize(authorizeRequest, AUTHORIZATION_DEADLINE_MS);
    } catch (error) {
      return unknownOutcome(frame.message, authorizeRequest, error);
    }
    if (authorizeRequest.kind === TransactionKind.TRANSACTION_KIND_BATCH_SETTLEMENT && answer.responseCode === '00') {
      await startNextBatch(request.terminalId, request.batchNumber);
    }
    return {
      message: buildAuthorizationResponse(frame.message, answer, dependencies.acquirerId, now()),
      makUnderMasterKey: context.makUnderMasterKey,
      processingRequirement: directiveToRequirement(answer.hostDirective),
    };
  }

  /** Reversals always pass: refusing one would leave the money taken. */
  function isThrottled(request: Extract<TerminalRequest, { type: 'financial' }>): boolean {
    if (dependencies.rateLimit === undefined) return false;
    if (request.request.kind === TransactionKind.TRANSACTION_KIND_REVERSAL) return false;
    return dependencies.rateLimit.take(request.terminalId, now()) > 0;
  }

  /** After a settled batch the terminal counts the next one; the merchant record must agree (77 otherwise). */
  async function startNextBatch(terminalId: string, settledBatch: string): Promise<void> {
    const nextBatch = String((Number(settledBatch) % 999_999) + 1).padStart(6, '0');
    await dependencies.merchant.setTerminalBatch(terminalId, nextBatch);
    dependencies.contexts.invalidate(terminalId);
  }

  /**
   * Authorization did not answer: it may have approved. The terminal hears 96 (a final decline),
   * so the platform itself must undo whatever happened, through a reversal it keeps retrying.
   */
  function unknownOutcome(message: IndexedIsoMessage, request: AuthorizeRequest, error: unknown): Reply {
    const moneyMoving = request.kind !== TransactionKind.TRANSACTION_KIND_BALANCE_INQUIRY;
    dependencies.logger.warn(
      { terminalId: request.terminalId, stan: request.stan, err: error, reversing: moneyMoving },
      'authorization outcome unknown',
    );
    if (moneyMoving && request.kind !== TransactionKind.TRANSACTION_KIND_REVERSAL)
      dependencies.reversals.enqueue(request);
    return refusal(message, RESPONSE_CODE.switchFailure);
  }

  async function reply(request: TerminalRequest, frame: DecodedIndexedTerminalFrame): Promise<Reply> {
    switch (request.type) {
      case 'refused':
        return refusal(frame.message, request.responseCode);
      case 'sign-in':
        return signIn(frame.message, request);
      case 'echo':
        return refusal(frame.message, RESPONSE_CODE.approved);
      case 'sign-off':
        await dependencies.merchant.signOffTerminal(request.terminalId).catch((error: unknown) => {
          dependencies.logger.warn({ terminalId: request.terminalId, err: error }, 'sign-off not recorded');
        });
        dependencies.contexts.invalidate(request.terminalId);
        return refusal(frame.message, RESPONSE_CODE.approved);
      case 'financial':
        return authorize(frame, request);
    }
  }

  async function handleInSpan(frame: DecodedIndexedTerminalFrame, receivedAtMs: number, span: Span): Promise<Buffer> {
    const request = parseTerminalRequest(frame.message, receivedAtMs);
    const answer = await reply(request, frame);
    const responseCode = String(answer.message.fieldValues[39] ?? '');
    span.setAttribute('acq.response_code', responseCode);
    answered.add(frame.message.mti, responseCode);
    if (request.type === 'financial') {
      duration.record(now() - receivedAtMs, {
        kind: transactionKindToJSON(request.request.kind),
        response_code: responseCode,
      });
    }
    return encodeReply(frame, answer, dependencies.hsm);
  }

  /** One server span per terminal frame: the root of the transaction's trace (no card data on it). */
  return function handle(frame: DecodedIndexedTerminalFrame, receivedAtMs: number): Promise<Buffer> {
    return tracer.startActiveSpan(`terminal ${frame.message.mti}`, SERVER_SPAN, (span) => {
      // Attributes only on a sampled span: most are not, and the SDK would sanitize them anyway.
      if (span.isRecording()) {
        span.setAttributes({
          'acq.mti': frame.message.mti,
          'acq.terminal.id': String(frame.message.fieldValues[41] ?? ''),
          'acq.merchant.number_from_terminal': String(frame.message.fieldValues[42] ?? ''),
        });
      }
      activeRequests++;
      return handleInSpan(frame, receivedAtMs, span).finally(() => {
        activeRequests--;
        span.end();
      });
    });
  };
}

const tracer = trace.getTracer('@acq/gateway-service');
const SERVER_SPAN = { kind: SpanKind.SERVER };

/**
 * Answers by MTI and field-39 code, counted in-process and reported at each scrape: one Map
 * increment per request instead of a metric call that hashes its attributes. The series are bounded
 * (a terminal chooses its MTI): past the bound new pairs are counted under mti "other".
 */
class AnsweredCounts {
  readonly #series = new Map<string, { attributes: { mti: string; response_code: string }; count: number }>();

  add(mti: string, responseCode: string): void {
    const key = `${mti}/${responseCode}`;
    const series = this.#series.get(key);
    if (series !== undefined) {
      series.count++;
      return;
    }
    if (this.#series.size >= TERMINAL_REQUEST_SERIES_MAX && mti !== OTHER_MTI) {
      this.add(OTHER_MTI, responseCode);
      return;
    }
    this.#series.set(key, { attributes: { mti, response_code: responseCode }, count: 1 });
  }

  observeInto(result: ObservableResult): void {
    for (const series of this.#series.values()) result.observe(series.count, series.attributes);
  }
}
const OTHER_MTI = 'other';

function encodeReply(frame: DecodedIndexedTerminalFrame, answer: Reply, hsm: Hsm): Buffer {
  const tpdu = swapTpdu(frame.tpdu);
  const header = withProcessingRequirement(frame.header, answer.processingRequirement);
  const responseFrame = { tpdu, header, message: answer.message };
  const mak = answer.makUnderMasterKey;
  if (mak === undefined) return encodeTerminalFrame(cupPosSpec, responseFrame);
  return encodeTerminalFrameWithMac(cupPosSpec, responseFrame, (macInput) => hsm.generateMac(mak, macInput));
}

function directiveToRequirement(directive: HostDirective): number {
  if (directive === HostDirective.HOST_DIRECTIVE_RESIGN_IN) return PROCESSING_REQUIREMENT.signInAgain;
  if (directive === HostDirective.HOST_DIRECTIVE_DOWNLOAD_PARAMETERS) return PROCESSING_REQUIREMENT.downloadParameters;
  return PROCESSING_REQUIREMENT.none;
}

/** A sign-in refusal carries the merchant service's field-39 code; anything else is a switch failure. */
function refusalCodeOf(error: unknown): ResponseCode {
  if (error instanceof ServiceError && error.responseCode !== undefined) return error.responseCode as ResponseCode;
  if (error instanceof ServiceError && error.code === 'NOT_FOUND') return RESPONSE_CODE.terminalNotRegistered;
  return RESPONSE_CODE.switchFailure;
}
