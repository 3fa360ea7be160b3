/**
 * Refusals of the card registry as data: a stable code the merchant can act on, and the class that maps
 * to a gRPC status (and from there to HTTP). Flows throw RefusalError to abort their transaction.
 */
export const REFUSAL_CLASS = {
  invalidArgument: 'invalid_argument',
  notFound: 'not_found',
  failedPrecondition: 'failed_precondition',
  permissionDenied: 'permission_denied',
  resourceExhausted: 'resource_exhausted',
  unavailable: 'unavailable',
} as const;
export type RefusalClass = (typeof REFUSAL_CLASS)[keyof typeof REFUSAL_CLASS];

export interface Refusal {
  readonly code: string;
  readonly refusalClass: RefusalClass;
  /** Log-safe: never a card number, an ID number or a code. */
  readonly message: string;
}

export class RefusalError extends Error {
  override readonly name = 'RefusalError';
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(refusal.message);
    this.refusal = refusal;
  }
}

function refusalOf(refusalClass: RefusalClass) {
  return (code: string, message: string): RefusalError => new RefusalError({ code, refusalClass, message });
}

export const invalidArgument = refusalOf(REFUSAL_CLASS.invalidArgument);
export const notFound = refusalOf(REFUSAL_CLASS.notFound);
export const conflict = refusalOf(REFUSAL_CLASS.failedPrecondition);
export const forbidden = refusalOf(REFUSAL_CLASS.permissionDenied);
export const exhausted = refusalOf(REFUSAL_CLASS.resourceExhausted);
export const unavailable = refusalOf(REFUSAL_CLASS.unavailable);
