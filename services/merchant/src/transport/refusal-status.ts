/**
 * The single mapping from thrown errors to gRPC errors. Refusals keep their stable code in
 * `x-error-code` and their field-39 code in `x-response-code` (the keys @acq/grpc's fromGrpcError
 * reads), so clients get a ServiceError(code, message, responseCode) and the status gives the class.
 */
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { RESPONSE_CODE_METADATA_KEY } from '@acq/grpc';
import { unreachable } from '@acq/assert';
import { REFUSAL_CLASS, type RefusalClass, RefusalError } from '../domain/errors.ts';

export const ERROR_CODE_METADATA_KEY = 'x-error-code';

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
  metadata.set(ERROR_CODE_METADATA_KEY, error.refusal.code);
  if (error.refusal.responseCode !== undefined) metadata.set(RESPONSE_CODE_METADATA_KEY, error.refusal.responseCode);
  return { code: statusOf(error.refusal.refusalClass), details: error.refusal.message, metadata };
}
