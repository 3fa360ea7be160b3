/**
 * Refusals of the merchant service as data: a stable code, the class that maps to a gRPC status (and
 * from there to HTTP), and, for terminal hot-path refusals, the field-39 code the gateway answers.
 */
export const REFUSAL_CLASS = {
  invalidArgument: 'invalid_argument',
  notFound: 'not_found',
  alreadyExists: 'already_exists',
  failedPrecondition: 'failed_precondition',
  permissionDenied: 'permission_denied',
  resourceExhausted: 'resource_exhausted',
} as const;
export type RefusalClass = (typeof REFUSAL_CLASS)[keyof typeof REFUSAL_CLASS];

export interface Refusal {
  readonly code: string;
  readonly refusalClass: RefusalClass;
  readonly message: string;
  /** ISO 8583 field-39 code, only for refusals a terminal sees. */
  readonly responseCode?: string;
}

export function refusal(code: string, refusalClass: RefusalClass, message: string, responseCode?: string): Refusal {
  return responseCode === undefined ? { code, refusalClass, message } : { code, refusalClass, message, responseCode };
}

/** A typed result: flows return refusals instead of throwing them. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

export function success<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function refused<T>(value: Refusal): Outcome<T> {
  return { ok: false, refusal: value };
}

/** Thrown to abort a SQL transaction with a refusal; the flow runner turns it back into an Outcome. */
export class RefusalError extends Error {
  override readonly name = 'RefusalError';
  readonly code: string;
  readonly refusal: Refusal;
  constructor(value: Refusal) {
    super(value.message);
    this.code = value.code;
    this.refusal = value;
  }
}
