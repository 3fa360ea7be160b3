export const BusErrorCode = {
  invalidConfiguration: 'BUS_INVALID_CONFIGURATION',
  handlerFailed: 'BUS_HANDLER_FAILED',
  malformedMessage: 'BUS_MALFORMED_MESSAGE',
} as const;
export type BusErrorCode = (typeof BusErrorCode)[keyof typeof BusErrorCode];

export class BusError extends Error {
  override readonly name = 'BusError';
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
