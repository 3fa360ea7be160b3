import { assert } from '@acq/assert';
import type { Logger } from '@acq/telemetry';
import { type AuthorizeRequest, TransactionKind } from '@acq/proto/authorization/v1/authorization.ts';
import type { AuthorizationPort } from '../../clients/authorization-client.ts';

/** Reversals waiting to reach authorization; past it the oldest is logged for manual follow-up. */
export const UNKNOWN_OUTCOME_REVERSALS_MAX = 10_000;
export const REVERSAL_ATTEMPTS_MAX = 20;
export const REVERSAL_RETRY_DELAY_MS_MIN = 200;
export const REVERSAL_RETRY_DELAY_MS_MAX = 30_000;
const REVERSAL_TIMEOUT_MS = 10_000;

interface Pending {
  request: AuthorizeRequest;
  attempts: number;
}

/**
 * When authorization does not answer, the terminal hears 96 and will not reverse on its own, so
 * the gateway sends the reversal itself, retrying with backoff. Authorization treats a reversal
 * of an unknown or already reversed transaction as done, so repeating one is harmless. The queue
 * is in memory: authorization's own recovery (pending intents) covers a gateway crash.
 */
export class UnknownOutcomeReversals {
  readonly #queue: Pending[] = [];
  readonly #authorization: AuthorizationPort;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #delayMs = REVERSAL_RETRY_DELAY_MS_MIN;
  #sequence = 0;

  constructor(authorization: AuthorizationPort, logger: Logger) {
    this.#authorization = authorization;
    this.#logger = logger;
  }

  get depth(): number {
    return this.#queue.length;
  }

  enqueue(original: AuthorizeRequest): void {
    assert(original.kind !== TransactionKind.TRANSACTION_KIND_REVERSAL, 'a reversal is not reversed');
    if (this.#queue.length >= UNKNOWN_OUTCOME_REVERSALS_MAX) {
      const dropped = this.#queue.shift();
      this.#logger.error(
        { terminalId: dropped?.request.terminalId, stan: dropped?.request.stan },
        'reversal queue full',
      );
    }
    const reversal: AuthorizeRequest = {
      ...original,
      kind: TransactionKind.TRANSACTION_KIND_REVERSAL,
      reversalReasonCode: '98',
      original: {
        batchNumber: original.batchNumber,
        stan: original.stan,
        dateMmdd: original.localDateMmdd,
        rrn: '',
        authCode: '',
        kind: original.kind,
      },
    };
    this.#queue.push({ request: reversal, attempts: 0 });
    this.#schedule(0);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain().catch((error: unknown) => this.#logger.error({ err: error }, 'reversal drain failed'));
    }, delayMs);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const pending = this.#queue[0] as Pending;
      pending.attempts++;
      this.#sequence++;
      const request = { ...pending.request, correlationId: `reversal-${process.pid}-${this.#sequence}` };
      const delivered = await this.#authorization.authorize(request, REVERSAL_TIMEOUT_MS).then(
        () => true,
        () => false,
      );
      if (!delivered && pending.attempts < REVERSAL_ATTEMPTS_MAX) {
        this.#schedule(this.#delayMs);
        this.#delayMs = Math.min(this.#delayMs * 2, REVERSAL_RETRY_DELAY_MS_MAX);
        return;
      }
      this.#queue.shift();
      this.#delayMs = REVERSAL_RETRY_DELAY_MS_MIN;
      if (!delivered) {
        this.#logger.error({ terminalId: request.terminalId, stan: request.stan }, 'reversal abandoned after retries');
      }
    }
  }
}
