/** Maps settlement errors to gRPC status once, at the edge; the stable code travels in `x-error-code`. */
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { NetworkFilesError } from '../clients/network-files-client.ts';
import { CalendarError } from '../domain/calendar.ts';
import { NetworkFileError } from '../domain/network-files.ts';
import { SettlementError, SettlementErrorCode } from '../flows/settlement-context.ts';
import { LedgerError } from '../store/ledger-store.ts';

const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  SettlementErrorCode.merchantUnknown,
  SettlementErrorCode.billNotFound,
  SettlementErrorCode.exceptionNotFound,
  SettlementErrorCode.originalNotFound,
  SettlementErrorCode.transactionNotFound,
  SettlementErrorCode.payoutNotFound,
  SettlementErrorCode.reconciliationNotFound,
]);
const INVALID_CODES: ReadonlySet<string> = new Set([
  SettlementErrorCode.invalidInput,
  SettlementErrorCode.notBusinessDay,
]);

function statusOf(code: string): status {
  if (NOT_FOUND_CODES.has(code)) return status.NOT_FOUND;
  if (INVALID_CODES.has(code)) return status.INVALID_ARGUMENT;
  if (code === SettlementErrorCode.idempotencyConflict) return status.ALREADY_EXISTS;
  return status.FAILED_PRECONDITION;
}

function withCode(grpcStatus: status, code: string, message: string): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set('x-error-code', code);
  return { code: grpcStatus, details: message, metadata };
}

/** Returns the gRPC error for an operating error, or undefined for a bug (which the caller logs as internal). */
export function grpcErrorOf(error: unknown): Partial<ServiceError> | undefined {
  if (error instanceof SettlementError) return withCode(statusOf(error.code), error.code, error.message);
  if (error instanceof LedgerError) return withCode(status.FAILED_PRECONDITION, error.code, error.message);
  if (error instanceof NetworkFileError || error instanceof CalendarError) {
    return withCode(status.INVALID_ARGUMENT, error.code, error.message);
  }
  if (error instanceof NetworkFilesError) return withCode(status.UNAVAILABLE, error.code, error.message);
  return undefined;
}

export function invalidArgument(message: string): SettlementError {
  return new SettlementError(SettlementErrorCode.invalidInput, message);
}
