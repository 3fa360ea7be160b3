import { Metadata, type ServiceError as GrpcServiceError, status } from '@grpc/grpc-js';

/** Metadata key carrying a field-39 response code with a refusal, for callers on the terminal path. */
export const RESPONSE_CODE_METADATA_KEY = 'x-response-code';

const CODE_TO_STATUS: Record<string, status> = {
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  ABORTED: status.ABORTED,
};

/**
 * An expected refusal a service reports to its caller: a stable code (one of the keys above), a
 * log-safe message, and optionally the field-39 code a terminal should see.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: string;
  readonly responseCode: string | undefined;
  constructor(code: string, message: string, options: { responseCode?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.responseCode = options.responseCode;
  }
}

/** Maps any thrown value to a grpc-js error once, at the edge. Unknown errors become INTERNAL. */
export function toGrpcError(error: unknown): Partial<GrpcServiceError> {
  if (error instanceof ServiceError) {
    const metadata = new Metadata();
    metadata.set('x-error-code', error.code);
    if (error.responseCode !== undefined) metadata.set(RESPONSE_CODE_METADATA_KEY, error.responseCode);
    return { code: CODE_TO_STATUS[error.code] ?? status.UNKNOWN, details: error.message, metadata };
  }
  return { code: status.INTERNAL, details: 'internal error' };
}

const STATUS_TO_CODE = new Map(Object.entries(CODE_TO_STATUS).map(([code, grpcStatus]) => [grpcStatus, code]));

/** The inverse of toGrpcError on the client side. */
export function fromGrpcError(error: GrpcServiceError): ServiceError {
  const code = String(error.metadata?.get('x-error-code')[0] ?? STATUS_TO_CODE.get(error.code) ?? 'INTERNAL');
  const responseCode = error.metadata?.get(RESPONSE_CODE_METADATA_KEY)[0];
  return new ServiceError(code, error.details, {
    ...(responseCode === undefined ? {} : { responseCode: String(responseCode) }),
    cause: error,
  });
}
