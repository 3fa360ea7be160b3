/** Shorthands for the refusals flows throw (RefusalError aborts the surrounding transaction). */
import { REFUSAL_CLASS, RefusalError, refusal } from '../domain/errors.ts';

export function notFound(code: string, message: string): RefusalError {
  return new RefusalError(refusal(code, REFUSAL_CLASS.notFound, message));
}

export function invalidArgument(code: string, message: string): RefusalError {
  return new RefusalError(refusal(code, REFUSAL_CLASS.invalidArgument, message));
}

export function conflict(code: string, message: string): RefusalError {
  return new RefusalError(refusal(code, REFUSAL_CLASS.failedPrecondition, message));
}

export function duplicate(code: string, message: string): RefusalError {
  return new RefusalError(refusal(code, REFUSAL_CLASS.alreadyExists, message));
}

export function exhausted(code: string, message: string): RefusalError {
  return new RefusalError(refusal(code, REFUSAL_CLASS.resourceExhausted, message));
}
