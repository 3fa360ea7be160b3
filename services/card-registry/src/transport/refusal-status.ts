/**
 * The single mapping from refusals to gRPC errors (the platform convention, see merchant.proto): the
 * status and `x-error-code` give the class, `x-refusal-code` the stable code the HTTP edge shows.
 */
import { unreachable } from '@acq/assert';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { REFUSAL_CLASS, type RefusalClass, RefusalError } from '../domain/refusals.ts';

export const ERROR_CODE_METADATA_KEY = 'x-error-code';
export const REFUSAL_CODE_METADATA_KEY = 'x-refusal-code';

function statusOf(refusalClass: RefusalClass): { readonly grpcStatus: status; readonly classCode: string } {
  switch (refusalClass) {
    case REFUSAL_CLASS.invalidArgument:
      return { grpcStatus: status.INVALID_ARGUMENT, classCode: 'INVALID_ARGUMENT' };
    case REFUSAL_CLASS.notFound:
      return { grpcStatus: status.NOT_FOUND, classCode: 'NOT_FOUND' };
    case REFUSAL_CLASS.failedPrecondition:
      return { grpcStatus: status.FAILED_PRECONDITION, classCode: 'FAILED_PRECONDITION' };
    case REFUSAL_CLASS.permissionDenied:
      return { grpcStatus: status.PERMISSION_DENIED, classCode: 'PERMISSION_DENIED' };
    case REFUSAL_CLASS.resourceExhausted:
      return { grpcStatus: status.RESOURCE_EXHAUSTED, classCode: 'RESOURCE_EXHAUSTED' };
    case REFUSAL_CLASS.unavailable:
      return { grpcStatus: status.UNAVAILABLE, classCode: 'UNAVAILABLE' };
    default:
      return unreachable(refusalClass, 'refusal class');
  }
}

/** Undefined for anything but a refusal: the caller logs it and answers INTERNAL. */
export function grpcErrorOfRefusal(error: unknown): Partial<ServiceError> | undefined {
  if (!(error instanceof RefusalError)) return undefined;
  const { grpcStatus, classCode } = statusOf(error.refusal.refusalClass);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, classCode);
  metadata.set(REFUSAL_CODE_METADATA_KEY, error.refusal.code);
  return { code: grpcStatus, details: error.refusal.message, metadata };
}
