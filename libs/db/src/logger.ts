/** The subset of a pino logger the data libraries use, so they need no logging dependency. */
export interface Logger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Falls back to stderr when a caller passes no logger; errors must never vanish silently. */
export const stderrLogger: Logger = {
  info: () => {},
  warn: (object, message) => console.warn(JSON.stringify({ level: 'warn', msg: message, ...object })),
  error: (object, message) => console.error(JSON.stringify({ level: 'error', msg: message, ...object })),
};

/** Log-safe description of an error: its code and message, never bound parameters. */
export function describeError(error: unknown): { errorCode: string | undefined; errorMessage: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { errorCode: typeof code === 'string' ? code : undefined, errorMessage: error.message };
  }
  return { errorCode: undefined, errorMessage: String(error) };
}
