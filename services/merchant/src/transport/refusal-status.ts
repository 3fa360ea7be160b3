/**
 * The single mapping from thrown errors to gRPC errors, following @acq/grpc's convention: the status
 * and `x-error-code` give the class (NOT_FOUND, FAILED_PRECONDITION, ...), `x-response-code` the field-39
 * code for terminal refusals, and `x-refusal-code` the stable fine-grained code (ACTIVATION_CODE_EXPIRED)
 * that the HTTP edge shows to API clients.
 */
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { RESPONSE_CODE_METADATA_KEY } from '@acq/grpc';
import { unreachable } from '@acq/assert';
import { REFUSAL_CLASS, type RefusalClass, RefusalError } from '../domain/errors.ts';

export const ERROR_CODE_METADATA_KEY = 'x-error-code';
export const REFUSAL_CODE_METADATA_KEY = 'x-refusal-code';

const CLASS_CODE: Readonly<Record<RefusalClass, string>> = {
  invalid_argument: 'INVALID_ARGUMENT',
  not_found: 'NOT_FOUND',
  already_exists: 'ALREADY_EXISTS',
  failed_precondition: 'FAILED_PRECONDITION',
  permission_denied: 'PERMISSION_DENIED',
  resource_exhausted: 'RESOURCE_EXHAUSTED',
};

function statusOf(refusalClass: RefusalClass): status {
  switch (refusalClass) {
    case REFUSAL_CLASS.invalidArgument:
      return status.INVALID_ARGUMENT;
    case REFUSAL_CLASS.notFound:
      return status.NOT_FOUND;
    case REFUSAL_CLASS.alreadyExists:
      return status.ALREADY_EXISTS;
    case REFUSAL_CLASS.failedPrecondition:
      return status.FAILED_PRECONDITION;
    case REFUSAL_CLASS.permissionDenied:
      return status.PERMISSION_DENIED;
    case REFUSAL_CLASS.resourceExhausted:
      return status.RESOURCE_EXHAUSTED;
    default:
      return unreachable(refusalClass, 'refusal class');
  }
}

/** Undefined for anything but a refusal: the caller logs it and answers INTERNAL. */
export function grpcErrorOfRefusal(error: unknown): Partial<ServiceError> | undefined {
  if (!(error instanceof RefusalError)) return undefined;
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, CLASS_CODE[error.refusal.refusalClass]);
  metadata.set(REFUSAL_CODE_METADATA_KEY, error.refusal.code);
  if (error.refusal.responseCode !== undefined) metadata.set(RESPONSE_CODE_METADATA_KEY, error.refusal.responseCode);
  return { code: statusOf(error.refusal.refusalClass), details: error.refusal.message, metadata };
}
