/**
 * Assertions catch programmer errors (TIGER_STYLE): a failed assertion is a bug, so the process
 * crashes and the orchestrator restarts it. Operating errors (declines, bad input, timeouts) are
 * never asserted; they are returned as typed results.
 */
export class AssertionFailure extends Error {
  override readonly name = 'AssertionFailure';
  readonly code = 'ASSERTION_FAILED';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

/** Exhaustiveness check for discriminated unions: reaching it is a bug. */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionFailure(`${message}: ${String(value)}`);
}
