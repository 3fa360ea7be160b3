import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log object. Card data and keys must never reach a
 * log line (DESIGN.md section 3); redaction is the safety net behind not logging them at all.
 */
export const REDACTED_PATHS = [
  'pan',
  '*.pan',
  'track2',
  '*.track2',
  'track3',
  '*.track3',
  'pinBlock',
  '*.pinBlock',
  'cvv',
  '*.cvv',
  'iccData',
  '*.iccData',
  'tmk',
  '*.tmk',
  'accountNumber',
  '*.accountNumber',
  'cardNumber',
  '*.cardNumber',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  '*.keyClear',
];

export interface LoggerOptions {
  service: string;
  level: string;
  /** Stream for tests; defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

/** Structured JSON logs; every line carries the service and, inside a span, its trace id. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin() {
        const spanContext = trace.getActiveSpan()?.spanContext();
        return spanContext === undefined ? {} : { traceId: spanContext.traceId, spanId: spanContext.spanId };
      },
    },
    options.destination ?? process.stdout,
  );
}
