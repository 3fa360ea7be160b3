/**
 * Recording logger and meter for the connector's tests: they keep what was logged and counted so
 * tests can assert alarms, metrics and that no card data ever reached a log line.
 */
import { fen } from '@acq/money';
import type { MetricAttributes, UpstreamLogger, UpstreamMeter, UpstreamRequest } from '../types.ts';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: object;
}

export function recordingLogger(): UpstreamLogger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const log = (level: LogLine['level']) => (fields: object, message: string) => {
    lines.push({ level, message, fields });
  };
  return {
    lines,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    text: () => lines.map((line) => `${line.level} ${line.message} ${JSON.stringify(line.fields)}`).join('\n'),
  };
}

export interface RecordingMeter extends UpstreamMeter {
  /** Sum of a counter over the samples whose attributes include `filter`. */
  counterTotal(name: string, filter?: MetricAttributes): number;
  gaugeValue(name: string): number | undefined;
}

export function recordingMeter(): RecordingMeter {
  const samples = new Map<string, Array<{ value: number; attributes: MetricAttributes }>>();
  const gauges = new Map<string, () => number | undefined>();
  const record =
    (name: string) =>
    (value: number, attributes: MetricAttributes = {}) => {
      const list = samples.get(name) ?? [];
      list.push({ value, attributes });
      samples.set(name, list);
    };
  return {
    createCounter: (name) => ({ add: record(name) }),
    createHistogram: (name) => ({ record: record(name) }),
    createObservableGauge: (name) => ({
      addCallback: (callback) => {
        gauges.set(name, () => {
          let observed: number | undefined;
          callback({ observe: (value) => (observed = value) });
          return observed;
        });
      },
    }),
    counterTotal(name, filter = {}) {
      let total = 0;
      for (const sample of samples.get(name) ?? []) {
        const matches = Object.entries(filter).every(([key, value]) => sample.attributes[key] === value);
        if (matches) total += sample.value;
      }
      return total;
    },
    gaugeValue: (name) => gauges.get(name)?.(),
  };
}

export const TEST_PAN = '6222021234567890123';

let sequence = 0;

export function sampleRequest(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  sequence += 1;
  return {
    kind: 'purchase',
    txnId: `auth_test_${process.pid}_${sequence}`,
    pan: TEST_PAN,
    expiryYymm: '3012',
    amountFen: fen(12_345n),
    terminalId: 'T0000001',
    merchantNumber: '898110054110001',
    mcc: '5411',
    merchantName: 'Test Supermarket Shanghai',
    acquirerInstitutionId: '48020000',
    posEntryMode: '051',
    posConditionCode: '00',
    pinBlockUnderZpk: Buffer.alloc(8, 0x11),
    ...overrides,
  };
}
