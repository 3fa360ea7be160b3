import type { ServerDuplexStream } from '@grpc/grpc-js';
import { assert } from '@acq/assert';

export interface StreamServeOptions<Request, Response> {
  /** Requests handled at once on this stream; past it, `overloaded` answers at once. */
  concurrencyMax: number;
  handle(request: Request): Promise<Response>;
  /** The immediate answer when the stream is over its concurrency limit (e.g. field 39 = 96). */
  overloaded(request: Request): Response;
  /** The answer when handle throws: a bug or an unexpected failure, never silently dropped. */
  failed(request: Request, error: unknown): Response;
}

/**
 * Serves a multiplexed bidirectional stream: every request is handled concurrently and answered on
 * the same stream in completion order; the caller matches answers by correlation id. When the
 * client half-closes, in-flight requests finish before the server closes its side.
 */
export function serveMultiplexedStream<Request, Response>(
  call: ServerDuplexStream<Request, Response>,
  options: StreamServeOptions<Request, Response>,
): void {
  assert(options.concurrencyMax >= 1, 'concurrencyMax must be positive');
  let inFlight = 0;
  let clientDone = false;
  let cancelled = false;
  const finishIfDrained = () => {
    if (clientDone && inFlight === 0 && !cancelled) call.end();
  };
  const answer = (response: Response) => {
    inFlight--;
    if (!cancelled) call.write(response);
    finishIfDrained();
  };
  call.on('data', (request: Request) => {
    inFlight++;
    if (inFlight > options.concurrencyMax) {
      answer(options.overloaded(request));
      return;
    }
    options.handle(request).then(answer, (error: unknown) => answer(options.failed(request, error)));
  });
  call.on('end', () => {
    clientDone = true;
    finishIfDrained();
  });
  call.on('cancelled', () => {
    cancelled = true;
  });
  call.on('error', () => {
    cancelled = true;
  });
}
