/**
 * Errors the HTTP edge answers, and the one mapping from gRPC refusals to HTTP statuses. The body is
 * always `{ error: { code, message } }`; 5xx bodies never carry internal text.
 */
import { ServiceError } from '@acq/grpc';
import type { Metadata } from '@grpc/grpc-js';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  readonly code: string;
  /** Sent as Retry-After (429, 503): when the client may try again. */
  readonly retryAfterSeconds: number | undefined;
  constructor(statusCode: number, code: string, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Metadata key with the service's fine-grained refusal code (see merchant.proto). */
export const REFUSAL_CODE_METADATA_KEY = 'x-refusal-code';

const STATUS_OF_CLASS: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 503,
};

export interface ErrorReply {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterSeconds?: number | undefined;
}

function refusalCodeOf(error: ServiceError): string {
  const metadata = (error.cause as { metadata?: Metadata } | undefined)?.metadata;
  const refusalCode = metadata?.get(REFUSAL_CODE_METADATA_KEY)[0];
  return refusalCode === undefined ? error.code : String(refusalCode);
}

/** The reply for a thrown value; undefined means "unexpected": log it and answer 500. */
export function errorReplyOf(error: unknown): ErrorReply | undefined {
  if (error instanceof HttpError) {
    const { statusCode, code, message, retryAfterSeconds } = error;
    return { statusCode, code, message, retryAfterSeconds };
  }
  if (error instanceof ServiceError) {
    const statusCode = STATUS_OF_CLASS[error.code];
    if (statusCode === undefined) return undefined;
    if (statusCode >= 500)
      return { statusCode, code: 'SERVICE_UNAVAILABLE', message: 'a backing service is unavailable' };
    return { statusCode, code: refusalCodeOf(error), message: error.message };
  }
  return undefined;
}
